/**
 * NOT_FOUND no longer stands for EACCES (issue 9 §5): a file or folder that exists but may not be read is
 * PERMISSION_DENIED (exit 2) naming the path, the user and the permission needed. The CLI runs as an
 * unprivileged user (root reads everything: as root, the child runs as uid 65534).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBundle } from '../bundle/index.js';
import { initStore } from '../agent/index.js';
import { storePaths } from '../agent/paths.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const asRoot = process.getuid?.() === 0;
/** Mode that keeps the child out: root's own 0600/0700 as uid 65534, else none at all. */
const closed = (dirMode: boolean) => (asRoot ? (dirMode ? 0o700 : 0o600) : 0o000);

let work: string;

/** `posture-stage …args --json` as the unprivileged user: exit code and the JSON document. */
function cli(args: string[], env: Record<string, string> = {}): { code: number | null; doc: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [bin, ...args, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, POSTURE_STAGE_HOME: join(work, 'home'), ...env },
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    timeout: 60_000,
  });
  return { code: r.status, doc: JSON.parse(r.stdout || '{}') };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ps-perm-'));
  chmodSync(work, 0o755);
  writeFileSync(join(work, 'b.zip'), await writeBundle({ seed: 2 }), { mode: 0o644 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a path the OS refuses is PERMISSION_DENIED, not NOT_FOUND', () => {
  it('library list on a library folder it may not list', () => {
    const bundles = join(work, 'home', 'bundles');
    mkdirSync(bundles, { recursive: true, mode: 0o755 });
    chmodSync(join(work, 'home'), 0o755);
    chmodSync(bundles, closed(true));
    const { code, doc } = cli(['library', 'list']);
    expect(code).toBe(2);
    expect(doc).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED', path: bundles, need: 'list' } });
    chmodSync(bundles, 0o755);
  });

  it('agent status on a store whose agent.json it may not read (a missing store stays NOT_FOUND)', async () => {
    const store = join(work, 'store');
    await initStore(store, { name: 'perm' });
    const agentFile = storePaths(store).agentFile;
    chmodSync(agentFile, closed(false));
    const { code, doc } = cli(['agent', 'status', '--store', store]);
    expect(code).toBe(2);
    expect(doc).toMatchObject({
      error: { code: 'PERMISSION_DENIED', path: agentFile, need: 'read', message: expect.stringMatching(/read permission/) },
    });
    expect(cli(['agent', 'status', '--store', join(work, 'nothing-here')]).doc).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('push with a token file it may not read: that target fails with PERMISSION_DENIED before anything is sent', () => {
    const token = join(work, 'token');
    writeFileSync(token, 'secret\n');
    chmodSync(token, closed(false));
    const { code, doc } = cli([
      'push',
      join(work, 'b.zip'),
      '--to',
      'https://127.0.0.1:9',
      '--token-file',
      token,
      '--fingerprint',
      `SHA256:${'A'.repeat(43)}`,
    ]);
    expect(code).toBe(2);
    expect(doc).toMatchObject({
      ok: false,
      targets: [{ ok: false, error: { code: 'PERMISSION_DENIED', details: { path: token, need: 'read' } } }],
    });
  });
});
