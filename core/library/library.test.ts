import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  appendFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../bundle/index.js';
import { openLibrary, type BundleLibrary } from './index.js';
import { checkBundle } from '../bundle/index.js';

const run = promisify(execFile);
let work: string;
let bundleFile: string;
let key: string;
let otherKey: string;
let lib: BundleLibrary;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ps-lib-'));
  bundleFile = join(work, 'posture-offline.zip');
  writeFileSync(bundleFile, await writeBundle({ seed: 11 }));
  key = join(work, 'admin_ed25519');
  otherKey = join(work, 'other_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pw for key', '-C', 'admin@workstation', '-f', key]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  lib = openLibrary(join(work, 'home-a'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('library', () => {
  it('adds a checked bundle by SHA-256 with metadata; a refused file never enters', async () => {
    const entry = await lib.add(bundleFile, { kind: 'file', path: bundleFile });
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.inspection.layout).toBe('reference');
    expect(entry.inspection.versions?.conditions).toBe('300418.0.0.0');
    expect((await lib.list()).map((e) => e.sha256)).toEqual([entry.sha256]);
    expect((await lib.get(entry.sha256.slice(0, 10))).path).toBe(entry.path);
    const bad = join(work, 'bad.zip');
    writeFileSync(bad, 'PK\u0003\u0004 truncated');
    await expect(lib.add(bad, { kind: 'file' })).rejects.toHaveProperty('code');
    expect(readdirSync(lib.dir).filter((n) => !n.startsWith(entry.sha256))).toEqual([]);
  });

  it('exports a manifest signed in SSHSIG that `ssh-keygen -Y verify` accepts, and imports it on the far side', async () => {
    const [entry] = await lib.list();
    const out = join(work, 'usb');
    const exp = await lib.export(entry!.sha256, out, { key, passphrase: 'pw for key' });
    const manifest = JSON.parse(readFileSync(exp.manifest, 'utf8'));
    expect(manifest.bundle).toMatchObject({ sha256: entry!.sha256, size: entry!.size });
    expect(manifest.tool.name).toBe('posture-stage');
    // a third-party tool verifies it (OpenSSH's own implementation)
    const pub = readFileSync(`${key}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const allowed = join(work, 'allowed_signers');
    writeFileSync(allowed, `admin@workstation namespaces="posture-stage" ${pub}\n`);
    const verified = await run('sh', [
      '-c',
      `ssh-keygen -Y verify -f '${allowed}' -I admin@workstation -n posture-stage -s '${exp.signature}' < '${exp.manifest}'`,
    ]);
    expect(verified.stdout).toContain('Good "posture-stage" signature for admin@workstation');

    const far = openLibrary(join(work, 'home-b'));
    const imported = await far.import(out, { trustedKeys: [`${key}.pub`] });
    expect(imported.sha256).toBe(entry!.sha256);
    expect(imported.source.kind).toBe('import');
    expect(imported.source.signer).toBe(exp.signer);
  });

  it('import refuses an untrusted signer, a changed manifest and a changed bundle; nothing enters', async () => {
    const [entry] = await lib.list();
    const out = join(work, 'usb2');
    const exp = await lib.export(entry!.sha256, out, { key, passphrase: 'pw for key' });
    const far = openLibrary(join(work, 'home-c'));
    await expect(far.import(out, { trustedKeys: [`${otherKey}.pub`] })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    const original = readFileSync(exp.manifest, 'utf8');
    writeFileSync(exp.manifest, original.replace('"posture-stage-transfer/1"', '"posture-stage-transfer/1" '));
    await expect(far.import(out, { trustedKeys: [`${key}.pub`] })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    // OpenSSH agrees the changed manifest no longer verifies
    const pub = readFileSync(`${key}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const allowed = join(work, 'allowed_signers2');
    writeFileSync(allowed, `admin@workstation namespaces="posture-stage" ${pub}\n`);
    await expect(
      run('sh', [
        '-c',
        `ssh-keygen -Y verify -f '${allowed}' -I admin@workstation -n posture-stage -s '${exp.signature}' < '${exp.manifest}'`,
      ]),
    ).rejects.toBeTruthy();
    writeFileSync(exp.manifest, original);
    appendFileSync(exp.bundle, Buffer.from([0]));
    await expect(far.import(out, { trustedKeys: [`${key}.pub`] })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    await expect(far.import(out, { trustedKeys: [] })).rejects.toMatchObject({ code: 'USAGE' });
    expect(existsSync(far.dir) ? readdirSync(far.dir).filter((n) => !n.startsWith('.')) : []).toEqual([]);
  });
});

/** Overwrites one byte in place: a local header's modification time, which the bundle check does not read. */
function flipByte(file: string, offset = 10): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from([0x55]), 0, 1, offset);
  closeSync(fd);
}

describe('library: what was checked is what is used (issue 8 §4)', () => {
  it('a flipped byte the bundle check would not notice: get, export and list --verify say LIBRARY_DAMAGED with both hashes', async () => {
    const home = openLibrary(join(work, 'home-damaged'));
    const entry = await home.add(bundleFile, { kind: 'file', path: bundleFile });
    flipByte(entry.path);
    // the damage is invisible to the bundle check: the library's own hash is the only witness
    await expect(checkBundle(entry.path)).resolves.toBeTruthy();
    const err = await home.get(entry.sha256).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LIBRARY_DAMAGED', details: { sha256: entry.sha256, file: entry.path } });
    const actual = String((err as { details: { actual: string } }).details.actual);
    expect(actual).toMatch(/^[0-9a-f]{64}$/);
    expect(actual).not.toBe(entry.sha256);
    expect((err as Error).message).toContain(
      `The library copy of posture-offline.zip is damaged (expected ${entry.sha256}, got ${actual}); import it again.`,
    );
    const out = join(work, 'usb-damaged');
    await expect(home.export(entry.sha256, out, { key, passphrase: 'pw for key' })).rejects.toMatchObject({ code: 'LIBRARY_DAMAGED' });
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    // the record is still listed; verifying marks it
    expect((await home.list()).map((e) => e.sha256)).toEqual([entry.sha256]);
    const progress: number[] = [];
    const [listed] = await home.list({ verify: true, onProgress: (done) => progress.push(done) });
    expect(listed).toMatchObject({ sha256: entry.sha256, verified: false, actualSha256: actual });
    expect(progress.at(-1)).toBe(entry.size);
  });

  it('adding the bundle again repairs the copy; remove drops an entry (damaged or not) and says NOT_FOUND after', async () => {
    const home = openLibrary(join(work, 'home-repair'));
    const entry = await home.add(bundleFile, { kind: 'file', path: bundleFile });
    flipByte(entry.path);
    await expect(home.get(entry.sha256)).rejects.toMatchObject({ code: 'LIBRARY_DAMAGED' });
    await home.add(bundleFile, { kind: 'file', path: bundleFile });
    await expect(home.get(entry.sha256)).resolves.toMatchObject({ sha256: entry.sha256 });
    expect((await home.list({ verify: true }))[0]?.verified).toBe(true);
    flipByte(entry.path);
    const removed = await home.remove(entry.sha256.slice(0, 12));
    expect(removed.sha256).toBe(entry.sha256);
    expect(await home.list()).toEqual([]);
    expect(readdirSync(home.dir).filter((n) => !n.startsWith('.'))).toEqual([]);
    await expect(home.remove(entry.sha256)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a copy that vanished from disk is damaged ("missing"), never a crash', async () => {
    const home = openLibrary(join(work, 'home-vanished'));
    const entry = await home.add(bundleFile, { kind: 'file', path: bundleFile });
    const record = await home.lookup(entry.sha256);
    rmSync(entry.path);
    await expect(home.verify(record)).rejects.toMatchObject({ code: 'LIBRARY_DAMAGED', details: { actual: 'missing' } });
  });
});

describe('library import: a replayed manifest (issue 8 §5)', () => {
  it('refuses a manifest signed before the newest one accepted from the same key, unless allowReplay; the record only moves forward', async () => {
    const older = join(work, 'older.zip');
    writeFileSync(older, await writeBundle({ seed: 12, versions: { conditions: '300417.0.0.0' } }));
    const src = openLibrary(join(work, 'home-replay-src'));
    const a = await src.add(older, { kind: 'file', path: older });
    const b = await src.add(bundleFile, { kind: 'file', path: bundleFile });
    const usbA = join(work, 'usb-replay-a');
    const usbB = join(work, 'usb-replay-b');
    const expA = await src.export(a.sha256, usbA, { key, passphrase: 'pw for key' });
    await new Promise((r) => setTimeout(r, 5));
    const expB = await src.export(b.sha256, usbB, { key, passphrase: 'pw for key' });
    const signedAt = (m: string) => JSON.parse(readFileSync(m, 'utf8')).exportedAt as string;
    expect(signedAt(expA.manifest) < signedAt(expB.manifest)).toBe(true);

    const far = openLibrary(join(work, 'home-replay-far'));
    await far.import(usbB, { trustedKeys: [`${key}.pub`] });
    const refused = await far.import(usbA, { trustedKeys: [`${key}.pub`] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'REPLAYED_MANIFEST',
      details: {
        signer: expA.signer,
        exportedAt: signedAt(expA.manifest),
        newest: { exportedAt: signedAt(expB.manifest), sha256: b.sha256 },
      },
    });
    expect((refused as Error).message).toContain('--allow-replay');
    expect((await far.list()).map((e) => e.sha256)).toEqual([b.sha256]);
    // the same (newest) manifest again is no replay
    await expect(far.import(usbB, { trustedKeys: [`${key}.pub`] })).resolves.toMatchObject({ sha256: b.sha256 });
    // told to, it takes the older one, and the record stays at the newest
    await expect(far.import(usbA, { trustedKeys: [`${key}.pub`], allowReplay: true })).resolves.toMatchObject({ sha256: a.sha256 });
    const record = JSON.parse(readFileSync(join(far.home, 'accepted-manifests.json'), 'utf8'));
    expect(record.signers[expB.signer]).toMatchObject({ exportedAt: signedAt(expB.manifest), sha256: b.sha256 });
    rmSync(join(far.dir, `${a.sha256}.json`));
    await expect(far.import(usbA, { trustedKeys: [`${key}.pub`] })).rejects.toMatchObject({ code: 'REPLAYED_MANIFEST' });
  });

  it('another signer has its own record; an unreadable record refuses every import (fails closed)', async () => {
    const src = openLibrary(join(work, 'home-replay-src2'));
    const entry = await src.add(bundleFile, { kind: 'file', path: bundleFile });
    const usbOld = join(work, 'usb-other-old');
    await src.export(entry.sha256, usbOld, { key: otherKey });
    await new Promise((r) => setTimeout(r, 5));
    const usbNew = join(work, 'usb-replay-new');
    await src.export(entry.sha256, usbNew, { key, passphrase: 'pw for key' });
    const far = openLibrary(join(work, 'home-replay-far2'));
    await far.import(usbNew, { trustedKeys: [`${key}.pub`] });
    // signed earlier, but by another key: not a replay of anything this library took from that key
    await expect(far.import(usbOld, { trustedKeys: [`${otherKey}.pub`] })).resolves.toMatchObject({ sha256: entry.sha256 });
    writeFileSync(join(far.home, 'accepted-manifests.json'), '{"format":"posture-stage-accepted/1","signers":');
    await expect(far.import(usbNew, { trustedKeys: [`${key}.pub`] })).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });
});
