/**
 * Issue 13 "must show": the kit's executable, copied alone into an empty folder and run where no
 * `node` can be found, creates a store, serves the HTTPS API (health and an authorised status over
 * TLS pinned to the printed fingerprint), applies a sample bundle and reports the status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { NEW_VERSIONS, sampleFile } from '../../core/agent/testing.js';
import { VERSION } from '../../core/version.js';
import { BUILD_TIMEOUT, artifactPath, ensureKit, pinnedGet, run, runBare, serveBare } from './testing.js';
import { runFor, runnerFor } from './sea.js';
import type { BuiltKit } from './build.js';

let kit: BuiltKit;
let dir: string;
let exe: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  kit = await ensureKit();
  dir = await mkdtemp(join(tmpdir(), 'kit-exe-'));
  exe = join(dir, 'posture-stage');
  await copyFile(artifactPath(kit, 'executable'), exe);
  await run('chmod', ['755', exe]);
}, BUILD_TIMEOUT);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the single executable, alone in an empty folder, with no node reachable', () => {
  it('is the only file there and no node is on its PATH', async () => {
    expect(await readdir(dir)).toEqual(['posture-stage']);
    const r = await runBare('/bin/sh', ['-c', 'command -v node || echo none'], dir);
    expect(r.stdout.trim()).toBe('none');
  });

  it('prints its version', async () => {
    const r = await runBare(exe, ['--version'], dir);
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it('inits a store, serves /healthz and an authorised status over pinned TLS, applies a bundle, reports status', async () => {
    const store = join(dir, 'store');
    const init = await runBare(exe, ['agent', 'init', '--store', store, '--json'], dir);
    expect(init.code, init.stderr).toBe(0);
    const created = JSON.parse(init.stdout) as { fingerprint: string; tokenFile: string };
    expect(created.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const token = (await readFile(created.tokenFile, 'utf8')).trim();

    const { child, info } = await serveBare(exe, store, dir);
    children.push(child);
    expect(info.fingerprint).toBe(created.fingerprint);
    expect(await pinnedGet(`${info.url}/healthz`, created.fingerprint)).toMatchObject({ status: 200, body: 'ok' });
    expect((await pinnedGet(`${info.url}/api/v1/status`, created.fingerprint)).status).toBe(401);
    const status = await pinnedGet(`${info.url}/api/v1/status`, created.fingerprint, token);
    expect(status.status).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({
      ok: true,
      updateMode: 'Offline',
      agentVersion: VERSION,
      versions: { conditions: '0.0.0.0' },
    });
    await expect(pinnedGet(`${info.url}/healthz`, 'SHA256:' + 'A'.repeat(43))).rejects.toThrow(/pinned/);

    const bundles = await mkdtemp(join(tmpdir(), 'kit-bundle-'));
    try {
      const bundle = await sampleFile(bundles, 'posture-offline.zip', { versions: NEW_VERSIONS });
      const applied = await runBare(exe, ['agent', 'apply', '--store', store, bundle, '--json'], dir);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({ ok: true, status: { versions: NEW_VERSIONS } });
    } finally {
      await rm(bundles, { recursive: true, force: true });
    }
    const after = await runBare(exe, ['agent', 'status', '--store', store, '--json'], dir);
    expect(JSON.parse(after.stdout)).toMatchObject({
      ok: true,
      versions: NEW_VERSIONS,
      agentVersion: VERSION,
      defaultPoliciesCreated: true,
    });
    // the running agent sees the same state
    const served = JSON.parse((await pinnedGet(`${info.url}/api/v1/status`, created.fingerprint, token)).body) as { versions: unknown };
    expect(served.versions).toEqual(NEW_VERSIONS);
  });

  it('refuses a bad bundle with a code and exit 2, no stack trace', async () => {
    const store = join(dir, 'store');
    const bad = join(dir, 'bad.zip');
    await writeFile(bad, 'this is not a zip file\n'.repeat(100));
    const r = await runBare(exe, ['agent', 'apply', '--store', store, bad, '--json'], dir);
    await rm(bad);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'NOT_A_ZIP' } });
    expect(r.stderr).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('has no desktop UI and says where it is', async () => {
    const r = await runBare(exe, ['ui', '--json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/workstation/) } });
  });
});

describe('every CPU of the kit', () => {
  it('has an executable of the right ELF machine, run here natively or under qemu-user when available', async () => {
    for (const arch of [...new Set(kit.manifest.artifacts.map((a) => a.arch))]) {
      const file = artifactPath(kit, 'executable', arch);
      const { stdout } = await run('file', ['-b', file]);
      expect(stdout).toContain(arch === 'x64' ? 'x86-64' : 'ARM aarch64');
      if ((await runnerFor(arch)) === null) continue;
      const v = await runFor(arch, file, ['--version']);
      expect(v.stdout.trim()).toBe(VERSION);
    }
  }, 180_000);
});
