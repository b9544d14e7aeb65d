/**
 * `posture-stage agent package` (interfaces.md): from the clone (the kit built or reused by the
 * builder) and from a kit folder (the executable beside its kit.json). The kit verifies with the
 * plain tools INSTALL.txt names — `sha256sum -c` and `ssh-keygen -Y verify`, run exactly as written
 * there — and a damaged kit is never copied onto the medium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { link, mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../core/cli/testing.js';
import type { PackagedFile } from '../../core/kit/index.js';
import { BUILD_TIMEOUT, artifactPath, ensureKit, hostArch, run, runBare } from './testing.js';
import type { BuiltKit } from './build.js';

let kit: BuiltKit;
let work: string;
let key: string;

beforeAll(async () => {
  kit = await ensureKit();
  work = await mkdtemp(join(tmpdir(), 'kit-package-'));
  key = join(work, 'signer_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'kit pass', '-C', 'kit@workstation', '-f', key]);
  process.env.KIT_TEST_PASSPHRASE = 'kit pass';
}, BUILD_TIMEOUT);

afterAll(async () => {
  delete process.env.KIT_TEST_PASSPHRASE;
  if (work) await rm(work, { recursive: true, force: true });
});

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** The command lines INSTALL.txt gives for verifying, in order. */
function verifyCommands(installText: string): string[] {
  return installText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(sha256sum -c |echo 'kit-signer |ssh-keygen -Y verify )/.test(l))
    .map((l) => l.replace(/ {2,}every line must say OK$/, ''));
}

describe('agent package from the developer clone', () => {
  let out: string;
  let files: PackagedFile[];

  it('writes every artifact, kit.json, INSTALL.txt, SHA256SUMS and its signature, listed with sizes and SHA-256', async () => {
    out = join(work, 'media');
    const r = await runCli('agent', 'package', '--out', out, '--key', key, '--passphrase-env', 'KIT_TEST_PASSPHRASE', '--json');
    expect(r.code, r.out + r.err).toBe(0);
    const doc = JSON.parse(r.out) as {
      ok: boolean;
      version: string;
      files: PackagedFile[];
      signer: { fingerprint: string; namespace: string };
    };
    files = doc.files;
    expect(doc.signer.namespace).toBe('posture-stage-kit');
    const keygenFp = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`])).stdout.split(' ')[1];
    expect(doc.signer.fingerprint).toBe(keygenFp);
    const names = files.map((f) => f.file).sort();
    expect(names).toEqual([...kit.manifest.artifacts.map((a) => a.file), 'INSTALL.txt', 'SHA256SUMS', 'SHA256SUMS.sig', 'kit.json'].sort());
    expect((await readdir(out)).sort()).toEqual(names);
    for (const f of files) {
      expect((await stat(join(out, f.file))).size).toBe(f.size);
      expect(await sha256(join(out, f.file))).toBe(f.sha256);
    }
    expect((await stat(join(out, artifactPath(kit, 'executable').split('/').pop()!))).mode & 0o111).not.toBe(0);
  });

  it('verifies with the exact commands of INSTALL.txt: sha256sum -c and ssh-keygen -Y verify', async () => {
    const text = await readFile(join(out, 'INSTALL.txt'), 'utf8');
    expect(text).toContain('NEVER on the ISE appliance');
    expect(text).toContain('8443/tcp');
    expect(text).toContain('Add target');
    const commands = verifyCommands(text);
    expect(commands).toHaveLength(3);
    expect(commands[2]).toBe('ssh-keygen -Y verify -f allowed_signers -I kit-signer -n posture-stage-kit -s SHA256SUMS.sig < SHA256SUMS');
    const r = await run('sh', ['-ec', commands.join('\n')], { cwd: out });
    expect(r.stdout).toMatch(/: OK$/m);
    expect(r.stdout).not.toMatch(/FAILED/);
    expect(r.stdout + r.stderr).toMatch(/Good "posture-stage-kit" signature for kit-signer with ED25519 key SHA256:/);
    // the namespace separates kit signatures from transfer-manifest signatures
    await expect(
      run('sh', ['-c', 'ssh-keygen -Y verify -f allowed_signers -I kit-signer -n posture-stage -s SHA256SUMS.sig < SHA256SUMS'], {
        cwd: out,
      }),
    ).rejects.toBeTruthy();
  });

  it('refuses a kit whose artifact was changed, and leaves no kit on the medium', async () => {
    const damaged = join(work, 'damaged');
    await mkdir(damaged);
    for (const f of files)
      await link(join(out, f.file), join(damaged, f.file)).catch(async () =>
        writeFile(join(damaged, f.file), await readFile(join(out, f.file))),
      );
    const tar = kit.manifest.artifacts.find((a) => a.kind === 'tar.gz' && a.arch === hostArch())!.file;
    await rm(join(damaged, tar));
    await writeFile(join(damaged, tar), await readFile(join(out, tar)));
    const fh = await open(join(damaged, tar), 'r+');
    await fh.write(Buffer.from([0x42]), 0, 1, 1000);
    await fh.close();
    await expect(run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: damaged })).rejects.toMatchObject({
      stdout: expect.stringContaining(`${tar}: FAILED`),
    });

    const again = join(work, 'again');
    const r = await runCli('agent', 'package', '--from', damaged, '--out', again, '--arch', hostArch(), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'SIGNATURE_INVALID', file: tar } });
    expect(await readdir(again).catch(() => [])).not.toContain('SHA256SUMS');
  });

  it('refuses to write into a folder that holds other files', async () => {
    const busy = join(work, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'notes.txt'), 'mine');
    const r = await runCli('agent', 'package', '--out', busy, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'USAGE', entries: ['notes.txt'] } });
    expect(await readdir(busy)).toEqual(['notes.txt']);
  });

  it('shows a progress bar on stderr while copying', async () => {
    process.env.POSTURE_STAGE_PROGRESS = '1';
    try {
      const r = await runCli('agent', 'package', '--out', join(work, 'progress'), '--arch', hostArch());
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/copy \[/);
      expect(r.out).toMatch(/Node kit .* written to/);
      expect(r.out).toContain('Not signed');
    } finally {
      delete process.env.POSTURE_STAGE_PROGRESS;
    }
  });
});

describe('agent package run by the kit executable beside its kit.json', () => {
  it('copies its own kit (the CPUs asked for) with no node reachable', async () => {
    const from = join(work, 'kit-copy');
    await mkdir(from);
    const wanted = kit.manifest.artifacts.filter((a) => a.arch === hostArch());
    for (const a of wanted) await link(join(kit.dir, a.file), join(from, a.file));
    await writeFile(join(from, 'kit.json'), await readFile(join(kit.dir, 'kit.json')));
    const exe = join(from, artifactPath(kit, 'executable').split('/').pop()!);
    const dest = join(work, 'from-exe');
    const r = await runBare(exe, ['agent', 'package', '--out', dest, '--arch', hostArch(), '--json'], work);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: PackagedFile[] };
    expect(doc.files.map((f) => f.file)).toEqual(expect.arrayContaining(wanted.map((a) => a.file)));
    await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dest });
    // an executable installed on its own (no kit.json beside it) says what to do
    const lone = join(work, 'lone');
    await mkdir(lone);
    await link(exe, join(lone, 'posture-stage'));
    const alone = await runBare(join(lone, 'posture-stage'), ['agent', 'package', '--out', join(work, 'nowhere'), '--json'], work);
    expect(alone.code).toBe(1);
    expect(JSON.parse(alone.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('--from') } });
  });
});
