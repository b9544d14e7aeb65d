/**
 * `library list --verify`, `library remove`, and a damaged library copy met by every use (issue 8 §4):
 * fetched from a real HTTPS feed, one byte flipped on disk where the bundle check does not look, then
 * inspect, export and a push to a real agent all refuse with LIBRARY_DAMAGED (exit 2) — the push sends
 * nothing and blames no network — until a fetch repairs the copy. And `library import` refusing a replayed
 * manifest unless --allow-replay.
 */
import { closeSync, copyFileSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../testing.js';
import { writeBundle } from '../../bundle/index.js';
import { initStore, readStatus, startAgentServer, type AgentServer } from '../../agent/index.js';
import { startFeedServer, type FeedServer } from '../../../e2e/peers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ps-cli-lib-'));
const savedHome = process.env.POSTURE_STAGE_HOME;
let feed: FeedServer;
let agent: AgentServer;
let store: string;
let agentArgs: string[];
let caFile: string;
let key: string;

beforeAll(async () => {
  process.env.POSTURE_STAGE_HOME = join(dir, 'home');
  feed = await startFeedServer({ files: { '/posture-offline.zip': { body: await writeBundle({ seed: 31 }) } } });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, feed.caCert);
  key = join(dir, 'id_ed25519');
  await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  store = join(dir, 'store');
  const init = await initStore(store);
  agent = await startAgentServer({ store, host: '127.0.0.1', port: 0, log: () => {} });
  agentArgs = ['--to', `https://127.0.0.1:${agent.port}`, '--token-file', init.tokenFile, '--fingerprint', init.fingerprint];
});
afterAll(async () => {
  await agent?.close();
  await feed?.stop();
  if (savedHome === undefined) delete process.env.POSTURE_STAGE_HOME;
  else process.env.POSTURE_STAGE_HOME = savedHome;
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const fetchIt = () => runCli('fetch', '--url', `${feed.origin}/posture-offline.zip`, '--ca', caFile, '--json');

describe('a damaged library copy', () => {
  let sha: string;
  let path: string;

  it('is refused by inspect, export, list --verify and push with LIBRARY_DAMAGED (exit 2); the node receives nothing', async () => {
    const fetched = JSON.parse((await fetchIt()).out);
    sha = fetched.sha256;
    path = fetched.path;
    // one byte of a local header's modification time: the bundle check alone would still say "verified"
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([0x55]), 0, 1, 10);
    closeSync(fd);
    const outside = join(dir, 'copy-outside.zip');
    copyFileSync(path, outside);
    expect((await runCli('inspect', outside, '--json')).code).toBe(0);

    const inspect = await runCli('inspect', path, '--json');
    expect(inspect.code).toBe(2);
    expect(JSON.parse(inspect.out).error).toMatchObject({ code: 'LIBRARY_DAMAGED', sha256: sha });
    const human = await runCli('inspect', path);
    expect(human.err).toMatch(
      new RegExp(
        `^error LIBRARY_DAMAGED: The library copy of posture-offline\\.zip is damaged \\(expected ${sha}, got [0-9a-f]{64}\\); import it again\\.`,
      ),
    );

    const usb = join(dir, 'usb');
    const exported = await runCli('library', 'export', sha.slice(0, 12), usb, '--key', key, '--json');
    expect(exported.code).toBe(2);
    expect(JSON.parse(exported.out).error.code).toBe('LIBRARY_DAMAGED');
    expect(existsSync(usb) ? readdirSync(usb) : []).toEqual([]);

    const listed = await runCli('library', 'list', '--verify', '--json');
    expect(listed.code).toBe(2);
    const doc = JSON.parse(listed.out);
    expect(doc).toMatchObject({ ok: false, damaged: [sha] });
    expect(doc.bundles[0]).toMatchObject({ sha256: sha, verified: false });
    expect((await runCli('library', 'list', '--verify')).out).toMatch(/^DAMAGED {2}/);

    const before = await readStatus(store);
    const pushed = await runCli('push', path, ...agentArgs, '--json');
    expect(pushed.code).toBe(2);
    expect(JSON.parse(pushed.out).error.code).toBe('LIBRARY_DAMAGED');
    expect(await readStatus(store)).toEqual(before);
    expect(readdirSync(join(store, 'inbox'))).toEqual([]);
  });

  it('a fetch repairs it; then list --verify passes and push applies', async () => {
    expect((await fetchIt()).code).toBe(0);
    const listed = await runCli('library', 'list', '--verify');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('All 1 copies verified.');
    const pushed = await runCli('push', path, ...agentArgs, '--json');
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.out).targets[0]).toMatchObject({ ok: true, sha256: sha });
  });

  it('library remove drops it; removing again is NOT_FOUND', async () => {
    const removed = await runCli('library', 'remove', sha.slice(0, 10), '--json');
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.out).removed.sha256).toBe(sha);
    expect(JSON.parse((await runCli('library', 'list', '--json')).out).bundles).toEqual([]);
    const again = await runCli('library', 'remove', sha, '--json');
    expect(again.code).toBe(2);
    expect(JSON.parse(again.out).error.code).toBe('NOT_FOUND');
  });
});

describe('library import --allow-replay', () => {
  it('an older manifest from the same key: REPLAYED_MANIFEST (exit 2); --allow-replay takes it (exit 0)', async () => {
    const file = join(dir, 'replay.zip');
    writeFileSync(file, await writeBundle({ seed: 33 }));
    const sha = JSON.parse((await runCli('library', 'add', file, '--json')).out).sha256 as string;
    const first = join(dir, 'usb-first');
    const second = join(dir, 'usb-second');
    expect((await runCli('library', 'export', sha, first, '--key', key, '--json')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect((await runCli('library', 'export', sha, second, '--key', key, '--json')).code).toBe(0);
    expect((await runCli('library', 'import', second, '--trusted-key', `${key}.pub`, '--json')).code).toBe(0);
    const replayed = await runCli('library', 'import', first, '--trusted-key', `${key}.pub`, '--json');
    expect(replayed.code).toBe(2);
    expect(JSON.parse(replayed.out).error).toMatchObject({ code: 'REPLAYED_MANIFEST' });
    const allowed = await runCli('library', 'import', first, '--trusted-key', `${key}.pub`, '--allow-replay', '--json');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out).sha256).toBe(sha);
  });
});
