/**
 * Custody the node enforces (issue 8 §5): real `library export --key` manifests signed with keys made by
 * ssh-keygen, carried over HTTPS (`PUT /api/v1/custody/{sha256}`), in inbox/ (SFTP) and beside the bundle.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLibrary, type ExportResult } from '../library/index.js';
import { custodyDocumentFor } from '../custody/document.js';
import { applyBundle, initStore, readHistory, readStatus, startAgentServer, addSigners, removeSigner, readSignerFiles } from './index.js';
import { hashTree, sampleFile, sha256, storeClient, OLD_VERSIONS, NEW_VERSIONS } from './testing.js';
import { storePaths } from './paths.js';
import { readCustodyMark } from './custody.js';

const run = promisify(execFile);
let dir: string;
let oldFile: string;
let newFile: string;
let key: string;
let otherKey: string;
let oldExport: ExportResult;
let newExport: ExportResult;
let otherExport: ExportResult;

/** Exports `file` through a workstation library, signed with `keyFile`, into `out`. */
async function exportSigned(file: string, keyFile: string, out: string): Promise<ExportResult> {
  const lib = openLibrary(join(dir, 'home'));
  const entry = await lib.add(file, { kind: 'file', path: file });
  return lib.export(entry.sha256, out, { key: keyFile });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-custody-'));
  oldFile = await sampleFile(dir, 'old.zip', { versions: OLD_VERSIONS });
  newFile = await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS });
  key = join(dir, 'alice_ed25519');
  otherKey = join(dir, 'mallory_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@workstation', '-f', key]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mallory@elsewhere', '-f', otherKey]);
  // exported in this order: the old bundle's manifest is signed before the new one's
  oldExport = await exportSigned(oldFile, key, join(dir, 'usb-old'));
  await new Promise((r) => setTimeout(r, 5));
  newExport = await exportSigned(newFile, key, join(dir, 'usb-new'));
  otherExport = await exportSigned(newFile, otherKey, join(dir, 'usb-other'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fingerprintOf = async (pub: string) => (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub])).stdout.split(' ')[1];

async function signedNode(name: string) {
  return initStore(join(dir, name), { trustedSigners: [`${key}.pub`] });
}

describe('custody on the node', () => {
  it('a node without trusted signers applies unsigned bundles as before', async () => {
    const { store, signers } = await initStore(join(dir, 'open'));
    expect(signers).toEqual([]);
    const r = await applyBundle(store, newFile);
    expect(r.status.versions).toEqual(NEW_VERSIONS);
    expect((await readHistory(store))[0]).not.toHaveProperty('custody');
  });

  it('init --trusted-signer: an unsigned bundle is refused before it is parsed, store unchanged', async () => {
    const { store, signers } = await signedNode('strict');
    expect(signers).toEqual([
      {
        fingerprint: await fingerprintOf(`${key}.pub`),
        key: expect.stringMatching(/^ssh-ed25519 /),
        comment: 'alice@workstation',
        addedAt: expect.any(String),
      },
    ]);
    const before = await hashTree(store, ['logs', 'history.jsonl']);
    await expect(applyBundle(store, newFile)).rejects.toMatchObject({
      code: 'CUSTODY_REQUIRED',
      details: { sha256: sha256(await readFile(newFile)), signers: [await fingerprintOf(`${key}.pub`)] },
    });
    await expect(applyBundle(store, newFile, { dryRun: true })).rejects.toMatchObject({ code: 'CUSTODY_REQUIRED' });
    // even a bundle that is not a zip at all is refused for custody, not parsed
    const junk = join(dir, 'junk.zip');
    await writeFile(junk, 'not a zip');
    await expect(applyBundle(store, junk)).rejects.toMatchObject({ code: 'CUSTODY_REQUIRED' });
    expect(await hashTree(store, ['logs', 'history.jsonl'])).toBe(before);
    expect((await readHistory(store))[0]).toMatchObject({ result: 'refused', error: { code: 'CUSTODY_REQUIRED' } });
  });

  it('SFTP path: bundle + inbox/<sha256>.custody.json → applied, signer recorded, both removed from the inbox', async () => {
    const { store } = await signedNode('sftp');
    const c = await custodyDocumentFor(newExport.dir);
    expect(c).toMatchObject({
      bundle: { sha256: sha256(await readFile(newFile)), size: (await readFile(newFile)).length },
      fileName: `${sha256(await readFile(newFile))}.custody.json`,
      route: `/api/v1/custody/${sha256(await readFile(newFile))}`,
      document: { format: 'posture-stage-custody/1', manifest: await readFile(newExport.manifest, 'utf8') },
    });
    const inbox = storePaths(store).inbox;
    await copyFile(newFile, join(inbox, 'posture-offline.zip'));
    await writeFile(join(inbox, c.fileName), JSON.stringify(c.document));
    const r = await applyBundle(store, 'posture-offline.zip', { who: 'isepush' });
    expect(r.status.versions).toEqual(NEW_VERSIONS);
    const h = (await readHistory(store))[0]!;
    expect(h).toMatchObject({
      result: 'success',
      who: 'isepush',
      custody: {
        signer: 'alice@workstation',
        fingerprint: await fingerprintOf(`${key}.pub`),
        signedAt: JSON.parse(c.document.manifest).exportedAt,
      },
    });
    expect(await readdir(inbox)).toEqual([]);
    const log = await readFile(storePaths(store).log, 'utf8');
    expect(log).toMatch(/-::isepush::- Transfer manifest signed by alice@workstation \(SHA256:\S+\) at \S+ verified/);
  });

  it('applying from removable media: the manifest beside the bundle (as library export wrote it) is found', async () => {
    const { store } = await signedNode('media');
    const r = await applyBundle(store, newExport.bundle);
    expect(r.status.versions).toEqual(NEW_VERSIONS);
    expect((await readHistory(store))[0]!.custody?.signer).toBe('alice@workstation');
    // nothing outside the store is removed
    expect(existsSync(newExport.manifest) && existsSync(newExport.bundle)).toBe(true);
  });

  it('refuses: untrusted signer, a changed manifest, a manifest of another bundle — SIGNATURE_INVALID, store unchanged', async () => {
    const { store } = await signedNode('refusals');
    const before = await hashTree(store, ['logs', 'history.jsonl']);
    await expect(applyBundle(store, newFile, { custody: otherExport.manifest })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      message: expect.stringContaining('not among the trusted keys'),
    });
    const changed = join(dir, 'changed.transfer.json');
    await writeFile(changed, (await readFile(newExport.manifest, 'utf8')).replace('"posture-stage"', '"posture-stage" '));
    await copyFile(newExport.signature, `${changed}.sig`);
    await expect(applyBundle(store, newFile, { custody: changed })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    await expect(applyBundle(store, newFile, { custody: oldExport.manifest })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      details: { manifest: { sha256: sha256(await readFile(oldFile)) } },
    });
    expect(await hashTree(store, ['logs', 'history.jsonl'])).toBe(before);
  });

  it('a manifest signed by ssh-keygen itself (-Y sign) is accepted', async () => {
    const { store } = await signedNode('openssh');
    const manifest = join(dir, 'openssh.transfer.json');
    await writeFile(manifest, await readFile(newExport.manifest));
    await run('ssh-keygen', ['-q', '-Y', 'sign', '-n', 'posture-stage', '-f', key, manifest]);
    const r = await applyBundle(store, newFile, { custody: manifest });
    expect(r.status.versions).toEqual(NEW_VERSIONS);
  });

  it('replay: a manifest signed before the newest accepted one is refused unless allowReplay', async () => {
    const { store } = await signedNode('replay');
    await applyBundle(store, newExport.bundle);
    const mark = await readCustodyMark(store);
    expect(mark).toMatchObject({
      sha256: sha256(await readFile(newFile)),
      signedAt: JSON.parse(await readFile(newExport.manifest, 'utf8')).exportedAt,
    });
    // the old bundle, properly signed back then, sent again to take the node back
    await expect(applyBundle(store, oldExport.bundle, { allowDowngrade: true })).rejects.toMatchObject({
      code: 'REPLAYED_MANIFEST',
      details: { newestAccepted: { sha256: mark!.sha256 } },
    });
    expect((await readStatus(store)).versions).toEqual(NEW_VERSIONS);
    const r = await applyBundle(store, oldExport.bundle, { allowDowngrade: true, allowReplay: true });
    expect(r.status.versions).toEqual(OLD_VERSIONS);
    // the mark never goes back
    expect((await readCustodyMark(store))?.sha256).toBe(mark!.sha256);
    // the same manifest again is not a replay (a retried push)
    await applyBundle(store, newExport.bundle);
    expect((await readStatus(store)).versions).toEqual(NEW_VERSIONS);
  });

  it('signers add/remove: removing the last one makes the node take unsigned bundles again', async () => {
    const { store } = await initStore(join(dir, 'toggle'));
    const { added } = await addSigners(store, await readSignerFiles([`${key}.pub`, `${otherKey}.pub`]));
    expect(added.map((s) => s.comment)).toEqual(['alice@workstation', 'mallory@elsewhere']);
    expect((await addSigners(store, await readSignerFiles([`${key}.pub`]))).added).toEqual([]);
    await expect(applyBundle(store, newFile)).rejects.toMatchObject({ code: 'CUSTODY_REQUIRED' });
    await removeSigner(store, added[0]!.fingerprint);
    await expect(removeSigner(store, added[0]!.fingerprint)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // mallory's signature now counts, alice's does not
    await expect(applyBundle(store, newFile, { custody: newExport.manifest })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    await removeSigner(store, added[1]!.fingerprint.replace(/^SHA256:/, ''));
    expect((await applyBundle(store, newFile)).status.versions).toEqual(NEW_VERSIONS);
  });

  it('a key that is not Ed25519, or not a key, is refused with USAGE', async () => {
    const rsa = join(dir, 'rsa');
    await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsa]);
    await expect(readSignerFiles([`${rsa}.pub`])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('ssh-rsa') });
    await expect(readSignerFiles([newFile])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(readSignerFiles([join(dir, 'nope.pub')])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(initStore(join(dir, 'never'), { trustedSigners: [`${rsa}.pub`] })).rejects.toMatchObject({ code: 'USAGE' });
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('custody over HTTPS (real TLS)', () => {
  it('PUT /api/v1/custody/{sha256} then PUT /api/v1/bundle → applied; without it 422 CUSTODY_REQUIRED', async () => {
    const { store } = await signedNode('https');
    const server = await startAgentServer({ store, port: 0, log: () => undefined });
    const client = await storeClient(store, server.url);
    try {
      const bytes = await readFile(newFile);
      const put = () =>
        client.call('/api/v1/bundle', {
          method: 'PUT',
          body: bytes,
          headers: { 'content-type': 'application/zip', 'x-content-sha256': sha256(bytes) },
        });
      const bare = await put();
      expect([bare.status, bare.json.error.code]).toEqual([422, 'CUSTODY_REQUIRED']);

      const custody = (route: string, body: unknown) =>
        client.call(route, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      const c = await custodyDocumentFor(newExport.manifest);
      // refused early: wrong signer, another bundle's SHA-256 in the path, not a custody document, not a SHA-256
      const mallory = await custodyDocumentFor(otherExport.dir);
      expect((await custody(c.route, mallory.document)).json).toMatchObject({ ok: false, error: { code: 'SIGNATURE_INVALID' } });
      expect((await custody(`/api/v1/custody/${'a'.repeat(64)}`, c.document)).status).toBe(422);
      expect((await custody(c.route, { format: 'nope' })).status).toBe(422);
      expect((await custody('/api/v1/custody/..%2Ftoken', c.document)).status).toBe(400);
      expect(await readdir(storePaths(store).inbox)).toEqual([]);

      const ok = await custody(c.route, c.document);
      expect(ok.json).toEqual({
        ok: true,
        sha256: c.bundle.sha256,
        signer: { fingerprint: await fingerprintOf(`${key}.pub`), comment: 'alice@workstation' },
      });
      expect(await readdir(storePaths(store).inbox)).toEqual([c.fileName]);
      const applied = await put();
      expect(applied.status).toBe(200);
      expect(applied.json.status.versions).toEqual(NEW_VERSIONS);
      const history = (await client.call('/api/v1/history')).json.updates;
      expect(history[0]).toMatchObject({ who: 'admin', custody: { signer: 'alice@workstation' } });
      expect(await readdir(storePaths(store).inbox)).toEqual([]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('replay over HTTPS → 422 REPLAYED_MANIFEST; ?allowReplay=1 takes it', async () => {
    const { store } = await signedNode('https-replay');
    await applyBundle(store, newExport.bundle);
    const server = await startAgentServer({ store, port: 0, log: () => undefined });
    const client = await storeClient(store, server.url);
    try {
      const c = await custodyDocumentFor(oldExport.dir);
      const send = async (query: string) => {
        await client.call(c.route, { method: 'PUT', body: JSON.stringify(c.document), headers: { 'content-type': 'application/json' } });
        const bytes = await readFile(oldFile);
        return client.call(`/api/v1/bundle${query}`, {
          method: 'PUT',
          body: bytes,
          headers: { 'content-type': 'application/zip', 'x-content-sha256': sha256(bytes) },
        });
      };
      const replay = await send('?allowDowngrade=1');
      expect([replay.status, replay.json.error.code]).toEqual([422, 'REPLAYED_MANIFEST']);
      const forced = await send('?allowDowngrade=1&allowReplay=1');
      expect([forced.status, forced.json.status.versions]).toEqual([200, OLD_VERSIONS]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
