/**
 * Issue 13: the .deb — its control data, contents and maintainer scripts (dpkg-deb), the unit
 * (systemd-analyze verify), lintian's findings, and an install → upgrade → purge cycle with dpkg
 * into a temp root (dpkg --root with chrootless maintainer scripts, which honour DPKG_ROOT) that
 * never touches the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OLD_VERSIONS, sampleFile } from '../../core/agent/testing.js';
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
let kit: BuiltKit;
let oldKit: BuiltKit;
let work: string;

beforeAll(async () => {
  kit = await ensureKit();
  oldKit = await ensureOldKit();
  work = await mkdtemp(join(tmpdir(), 'kit-deb-'));
}, BUILD_TIMEOUT);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const hasCommand = (name: string) => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, name)));

describe('the .deb', () => {
  it('declares the package, its CPU, its dependencies and the maintainer scripts (dpkg-deb --info)', async () => {
    const { stdout } = await run('dpkg-deb', ['--info', artifactPath(kit, 'deb')]);
    expect(stdout).toMatch(/^ Package: posture-stage$/m);
    expect(stdout).toMatch(new RegExp(`^ Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^ Architecture: ${process.arch === 'x64' ? 'amd64' : 'arm64'}$`, 'm'));
    expect(stdout).toMatch(/^ Depends: libc6 \(>= 2\.\d+\), .*passwd$/m);
    for (const script of ['postinst', 'prerm', 'postrm'])
      expect(stdout).toMatch(new RegExp(`^ +\\d+ bytes, +\\d+ lines +\\* +${script} +#!/bin/sh\\s*$`, 'm'));
    expect(stdout).toMatch(/^ +\d+ bytes, +1 lines +conffiles\s*$/m);
    for (const arch of [...new Set(kit.manifest.artifacts.map((a) => a.arch))]) {
      const info = await run('dpkg-deb', ['--field', artifactPath(kit, 'deb', arch), 'Architecture']);
      expect(info.stdout.trim()).toBe(arch === 'x64' ? 'amd64' : 'arm64');
    }
  });

  it('installs the executable, the unit and the defaults, owned by root (dpkg-deb --contents)', async () => {
    const { stdout } = await run('dpkg-deb', ['--contents', artifactPath(kit, 'deb')]);
    expect(stdout).toMatch(/^-rwxr-xr-x root\/root +\d+ .* \.\/usr\/bin\/posture-stage$/m);
    expect(stdout).toMatch(/^-rw-r--r-- root\/root +\d+ .* \.\/lib\/systemd\/system\/posture-stage-agent\.service$/m);
    expect(stdout).toMatch(/^-rw-r--r-- root\/root +\d+ .* \.\/etc\/default\/posture-stage-agent$/m);
    expect(stdout).not.toMatch(/var\/lib\/posture-stage-agent/);
  });

  it('has a unit that systemd-analyze verify accepts, with the hardening the issue asks for', async () => {
    const root = await mkdtemp(join(work, 'unit-'));
    await run('dpkg-deb', ['-x', artifactPath(kit, 'deb'), root]);
    const unitFile = join(root, 'lib/systemd/system/posture-stage-agent.service');
    const unit = await readFile(unitFile, 'utf8');
    for (const line of [
      'User=posture-stage',
      'StateDirectory=posture-stage-agent',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
      'EnvironmentFile=/etc/default/posture-stage-agent',
      'ExecStart=/usr/bin/posture-stage agent serve --store ${POSTURE_STAGE_STORE} --listen ${POSTURE_STAGE_LISTEN}',
    ])
      expect(unit).toContain(`\n${line}\n`);
    // verify in the unpacked root (so ExecStart is checked against the packaged binary), with this system's own units beside it
    await cp('/lib/systemd/system', join(root, 'lib/systemd/system'), { recursive: true, force: false, errorOnExist: false });
    const r = await run('systemd-analyze', ['verify', '--man=no', `--root=${root}`, 'posture-stage-agent.service']).catch(
      (e: { stdout: string; stderr: string }) => ({
        ...e,
        failed: true,
      }),
    );
    expect(r, `${r.stdout}${r.stderr}`).not.toHaveProperty('failed');
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
  });

  it.skipIf(!hasCommand('lintian'))(
    'passes lintian without errors or warnings (overrides: Node.js embeds zlib and is not PIE)',
    async () => {
      const r = await run('lintian', ['--tag-display-limit', '0', '--allow-root', artifactPath(kit, 'deb')]).catch(
        (e: { stdout: string; stderr: string }) => e,
      );
      const findings = `${r.stdout}`.split('\n').filter((l) => /^[EW]: /.test(l));
      expect(findings).toEqual([]);
    },
  );

  it('installs, upgrades and purges with dpkg in a temp root without touching the store', async () => {
    const root = await makeTempRoot();
    const dpkg = (...args: string[]) =>
      run('dpkg', [`--root=${root}`, '--force-script-chrootless', '--force-depends', ...args], { maxBuffer: 16 << 20 });
    try {
      const first = await dpkg('-i', artifactPath(oldKit, 'deb'));
      expect(first.stdout).toMatch(/TLS fingerprint: SHA256:/);
      expect(first.stdout).toContain(`API token file (0600, token "admin"): ${root}${STORE}/token`);
      const user = await rootUser(root);
      expect(user).toMatchObject({ entries: 1 });
      expect((await stat(join(root, STORE, 'agent.json'))).uid).toBe(user!.uid);
      const bundle = await sampleFile(join(root, 'tmp'), 'old.zip', { versions: OLD_VERSIONS });
      expect((await runAsService(root, ['agent', 'apply', '--store', join(root, STORE), bundle, '--json'])).code).toBe(0);
      const before = await storeSnapshot(root, join(root, STORE));
      expect(before.status).toMatchObject({ agentVersion: OLD_VERSION, versions: OLD_VERSIONS });

      const upgrade = await dpkg('-i', artifactPath(kit, 'deb'));
      expect(upgrade.stdout).toContain(`Unpacking posture-stage (${VERSION}) over (${OLD_VERSION})`);
      expect(upgrade.stdout).toContain('keeping the node store');
      expect(upgrade.stdout).not.toMatch(/TLS fingerprint/);
      const after = await storeSnapshot(root, join(root, STORE));
      expect(after.tree).toBe(before.tree);
      expect(after.history).toEqual(before.history);
      expect(after.status).toMatchObject({ agentVersion: VERSION, versions: OLD_VERSIONS });

      const purge = await dpkg('--purge', 'posture-stage');
      expect(purge.stdout + purge.stderr).toContain('were kept');
      expect(existsSync(join(root, 'usr/bin/posture-stage'))).toBe(false);
      expect(existsSync(join(root, 'etc/default/posture-stage-agent'))).toBe(false);
      const { hashTree } = await import('../../core/agent/testing.js');
      expect(await hashTree(join(root, STORE))).toBe(after.tree);
      expect(await rootUser(root)).toMatchObject({ entries: 1 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 180_000);
});
