/**
 * `posture-stage … | head`: the built CLI writes into a real pipe whose reader has gone; it ends quietly
 * with exit 0 — no stack trace, no "EPIPE". Needs the CLI built (`npm run build:core`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeBundle } from '../bundle/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'core', 'cli', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'ps-pipe-'));
const bundle = join(dir, 'posture-offline.zip');

beforeAll(async () => {
  if (!existsSync(join(root, 'build', 'dist', 'core', 'cli', 'main.js')))
    throw new Error('this test needs the CLI: run `npm run build:core` first');
  writeFileSync(bundle, await writeBundle({ seed: 3 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `posture-stage ARGS 2>err | READER >out` in bash; the CLI's own exit code (PIPESTATUS), its stderr, what the reader got. */
async function piped(args: string[], reader: string): Promise<{ code: number; err: string; out: string }> {
  const err = join(dir, 'err.txt');
  const out = join(dir, 'out.txt');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cli = [process.execPath, bin, ...args].map(quote).join(' ');
  const { stdout } = await run('bash', ['-c', `${cli} 2>${quote(err)} | ${reader} >${quote(out)}; echo "\${PIPESTATUS[0]}"`]);
  return { code: Number(stdout.trim()), err: readFileSync(err, 'utf8'), out: readFileSync(out, 'utf8') };
}

describe('writing to a closed pipe', () => {
  it('inspect | a reader that is gone before the first write: exit 0, nothing on stderr', async () => {
    const r = await piped(['inspect', bundle], 'true');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('inspect --json | head -c 10 (the document is larger than the pipe holds): exit 0, nothing on stderr', async () => {
    const r = await piped(['inspect', bundle, '--json'], 'head -c 10');
    expect(r.out).toBe('{"ok":true');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('inspect | head -1: the first line, exit 0', async () => {
    const r = await piped(['inspect', bundle], 'head -1');
    expect(r.out).toMatch(/^posture-offline\.zip {2}/);
    expect(r.out.split('\n')).toHaveLength(2);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
