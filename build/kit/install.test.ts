/**
 * Issue 13: the .tar.gz's install.sh (hosts without dpkg) installs the same user, paths and service
 * file as the .deb, runs `agent init` exactly once, and an upgrade to a newer kit never touches the
 * store (states, history, tokens, keys) or the admin's settings. Installed into a temp root
 * (`install.sh --root DIR`), with the service user created in that root's /etc/passwd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEW_VERSIONS, OLD_VERSIONS, sampleFile } from '../../core/agent/testing.js';
import { VERSION } from '../../core/version.js';
import type { BuiltKit } from './build.js';
import {
  BUILD_TIMEOUT,
  OLD_VERSION,
  artifactPath,
  ensureKit,
  ensureOldKit,
  makeTempRoot,
  rootUser,
  run,
  runAsService,
  storeSnapshot,
} from './testing.js';

const STORE = '/var/lib/posture-stage-agent';
let oldKit: BuiltKit;
let kit: BuiltKit;
let root: string;
let work: string;

/** Unpacks a kit's .tar.gz and runs its install.sh into the temp root. */
async function installTarGz(k: BuiltKit): Promise<string> {
  const dir = await mkdtemp(join(work, 'unpack-'));
  await run('tar', ['-xzf', artifactPath(k, 'tar.gz'), '-C', dir]);
  const r = await run('sh', [join(dir, `posture-stage-${k.manifest.version}`, 'install.sh'), '--root', root], {
    env: { PATH: process.env.PATH },
  });
  return r.stdout + r.stderr;
}

beforeAll(async () => {
  oldKit = await ensureOldKit();
  kit = await ensureKit();
  root = await makeTempRoot();
  work = await mkdtemp(join(tmpdir(), 'kit-install-'));
}, BUILD_TIMEOUT);

afterAll(async () => {
  for (const d of [root, work]) if (d) await rm(d, { recursive: true, force: true });
});

describe('install.sh from the .tar.gz', () => {
  it('holds the executable, the unit, the defaults, install.sh and INSTALL.txt in one folder', async () => {
    const { stdout } = await run('tar', ['-tvzf', artifactPath(kit, 'tar.gz')]);
    const folder = `posture-stage-${VERSION}`;
    for (const [mode, name] of [
      ['-rwxr-xr-x', 'posture-stage'],
      ['-rwxr-xr-x', 'install.sh'],
      ['-rw-r--r--', 'posture-stage-agent.service'],
      ['-rw-r--r--', 'posture-stage-agent.default'],
      ['-rw-r--r--', 'INSTALL.txt'],
    ])
      expect(stdout).toMatch(new RegExp(`^${mode!.replace(/-/g, '\\-')} root/root .* ${folder}/${name!.replace('.', '\\.')}$`, 'm'));
  });

  it('installs the old kit: user, paths, first init, then applies with the old binary', async () => {
    const out = await installTarGz(oldKit);
    expect(out).toMatch(/TLS fingerprint: SHA256:/);
    expect(out).toContain(`API token file (0600, token "admin"): ${root}${STORE}/token`);
    const user = await rootUser(root);
    expect(user).toMatchObject({ entries: 1 });
    expect((await stat(join(root, STORE))).uid).toBe(user!.uid);
    expect((await stat(join(root, STORE, 'token'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(root, 'etc/systemd/system/posture-stage-agent.service'), 'utf8')).toContain(
      'ExecStart=/usr/bin/posture-stage agent serve --store ${POSTURE_STAGE_STORE} --listen ${POSTURE_STAGE_LISTEN}',
    );
    expect((await run(join(root, 'usr/bin/posture-stage'), ['--version'])).stdout.trim()).toBe(OLD_VERSION);

    const bundle = await sampleFile(join(root, 'tmp'), 'old.zip', { versions: OLD_VERSIONS });
    const applied = await runAsService(root, ['agent', 'apply', '--store', join(root, STORE), bundle, '--json']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ ok: true, status: { versions: OLD_VERSIONS, agentVersion: OLD_VERSION } });
  });

  it('upgrades to the newer kit without touching the store or the admin settings, and applies again', async () => {
    const store = join(root, STORE);
    // an admin's setting, which the upgrade must keep
    const defaults = join(root, 'etc/default/posture-stage-agent');
    const edited = (await readFile(defaults, 'utf8')).replace('POSTURE_STAGE_LISTEN=0.0.0.0:8443', 'POSTURE_STAGE_LISTEN=10.1.2.3:9443');
    await writeFile(defaults, edited);
    const before = await storeSnapshot(root, store);
    expect(before.status).toMatchObject({ versions: OLD_VERSIONS, agentVersion: OLD_VERSION });

    const out = await installTarGz(kit);
    expect(out).toContain(`keeping the node store ${STORE}`);
    expect(out).not.toMatch(/TLS fingerprint/);
    expect((await run(join(root, 'usr/bin/posture-stage'), ['--version'])).stdout.trim()).toBe(VERSION);
    expect(await readFile(defaults, 'utf8')).toBe(edited);
    expect(await readFile(`${defaults}.dist`, 'utf8')).toContain('POSTURE_STAGE_LISTEN=0.0.0.0:8443');

    const after = await storeSnapshot(root, store);
    expect(after.tree).toBe(before.tree);
    expect(after.history).toEqual(before.history);
    expect({ ...after.status, agentVersion: OLD_VERSION }).toEqual(before.status);
    expect(after.status.agentVersion).toBe(VERSION);

    const bundle = await sampleFile(join(root, 'tmp'), 'new.zip', { versions: NEW_VERSIONS });
    const applied = await runAsService(root, ['agent', 'apply', '--store', store, bundle, '--json']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ ok: true, status: { versions: NEW_VERSIONS } });
    const history = JSON.parse((await runAsService(root, ['agent', 'history', '--store', store, '--json'])).stdout) as {
      updates: unknown[];
    };
    expect(history.updates).toHaveLength((before.history as { updates: unknown[] }).updates.length + 1);
  });

  it('is idempotent: running it again changes nothing and adds no second user', async () => {
    const store = join(root, STORE);
    const before = await storeSnapshot(root, store);
    await installTarGz(kit);
    expect((await storeSnapshot(root, store)).tree).toBe(before.tree);
    expect(await rootUser(root)).toMatchObject({ entries: 1 });
  });

  it('refuses to run as a non-root user and names what to do', async () => {
    const dir = await mkdtemp(join(work, 'unpack-'));
    await run('tar', ['-xzf', artifactPath(kit, 'tar.gz'), '-C', dir]);
    const script = join(dir, `posture-stage-${VERSION}`, 'install.sh');
    await run('chmod', ['-R', 'a+rX', work]);
    await expect(run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', script, '--root', root])).rejects.toMatchObject({
      stderr: expect.stringContaining('run it as root'),
    });
  });
});
