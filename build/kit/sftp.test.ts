/**
 * Issue 13 "must show": an SFTP push against the real test sshd whose remote command is the kit's
 * executable, run there with no Node.js reachable (`env -i PATH=/nonexistent EXE`); and the same
 * executable as the pushing side, which proves ssh2 works without its optional native addons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEW_VERSIONS, OLD_VERSIONS, sampleFile } from '../../core/agent/testing.js';
import { runCli } from '../../core/cli/testing.js';
import { startSshd, type Sshd } from '../../e2e/peers/index.js';
import { BUILD_TIMEOUT, artifactPath, ensureKit, run, runBare } from './testing.js';

let sshd: Sshd;
let dir: string;
let exe: string;
let store: string;

beforeAll(async () => {
  const kit = await ensureKit();
  dir = await mkdtemp(join(tmpdir(), 'kit-sftp-'));
  exe = join(dir, 'posture-stage');
  await copyFile(artifactPath(kit, 'executable'), exe);
  await run('chmod', ['755', exe]);
  store = join(dir, 'store');
  expect((await runBare(exe, ['agent', 'init', '--store', store, '--json'], dir)).code).toBe(0);
  sshd = await startSshd();
}, BUILD_TIMEOUT);

afterAll(async () => {
  await sshd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SFTP push with the kit executable as the remote command', () => {
  it('uploads, verifies and applies through the executable on the node', async () => {
    const bundle = await sampleFile(dir, 'old.zip', { versions: OLD_VERSIONS });
    const remote = `env -i PATH=/nonexistent ${exe}`;
    const r = await runCli(
      'push',
      bundle,
      '--to',
      `sftp://${sshd.user}@127.0.0.1:${sshd.port}${store}`,
      '--identity',
      sshd.identity,
      '--host-key',
      sshd.hostKeyFingerprint,
      '--remote-command',
      remote,
      '--json',
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, targets: [{ ok: true, status: { versions: OLD_VERSIONS } }] });
    const status = await runBare(exe, ['agent', 'status', '--store', store, '--json'], dir);
    expect(JSON.parse(status.stdout)).toMatchObject({ versions: OLD_VERSIONS });
  });

  it('pushes from the executable itself (pure-JavaScript SSH, no native addons, no node)', async () => {
    const bundle = await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS });
    const r = await runBare(
      exe,
      [
        'push',
        bundle,
        '--to',
        `sftp://${sshd.user}@127.0.0.1:${sshd.port}${store}`,
        '--identity',
        sshd.identity,
        '--host-key',
        sshd.hostKeyFingerprint,
        '--remote-command',
        `env -i PATH=/nonexistent ${exe}`,
        '--json',
      ],
      dir,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, targets: [{ ok: true, status: { versions: NEW_VERSIONS } }] });
    expect(r.stderr).not.toMatch(/Warning|require\(\)/);
  });
});
