/**
 * The proxy password asked on a real terminal: the built CLI runs under `script` (a pseudo-terminal, from
 * util-linux), answers tinyproxy's BasicAuth with what was typed, and the password never appears in what
 * the terminal showed (no echo). Needs the CLI built (`npm run build:core`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBundle } from '../../bundle/index.js';
import { startFeedServer, startTinyproxy, type FeedServer, type Tinyproxy } from '../../../e2e/peers/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'core', 'cli', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'ps-proxy-prompt-'));
const PASSWORD = 'Typed-At-Prompt-7';
let feed: FeedServer;
let proxy: Tinyproxy;
let caFile: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'build', 'dist', 'core', 'cli', 'main.js')))
    throw new Error('this test needs the CLI: run `npm run build:core` first');
  feed = await startFeedServer({ files: { '/posture-offline.zip': { body: await writeBundle({ seed: 23 }) } } });
  proxy = await startTinyproxy({ basicAuth: { user: 'isefeed', password: PASSWORD } });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, feed.caCert);
});
afterAll(async () => {
  await feed?.stop();
  await proxy?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI on a pseudo-terminal, types `answer` once `prompt` shows; resolves with the transcript and exit code. */
function onTerminal(args: string[], prompt: string, answer: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, bin, ...args].map(quote).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, POSTURE_STAGE_HOME: join(dir, 'home'), POSTURE_STAGE_PROGRESS: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    const onOutput = (c: Buffer) => {
      screen += c.toString();
      if (!typed && screen.includes(prompt)) {
        typed = true;
        child.stdin.write(`${answer}\r`);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe('fetch --proxy http://USER@host:port on a terminal', () => {
  it('asks for the password without echo and goes through the proxy with it', async () => {
    const r = await onTerminal(
      [
        'fetch',
        '--url',
        `${feed.origin}/posture-offline.zip`,
        '--proxy',
        `http://isefeed@127.0.0.1:${proxy.port}`,
        '--ca',
        caFile,
        '--json',
      ],
      'Proxy password for isefeed: ',
      PASSWORD,
    );
    expect(r.screen).toContain('Proxy password for isefeed: ');
    expect(r.screen).toContain('"ok":true');
    expect(r.screen).not.toContain(PASSWORD);
    expect(r.code).toBe(0);
    expect(proxy.log()).toMatch(/CONNECT/);
  });
});
