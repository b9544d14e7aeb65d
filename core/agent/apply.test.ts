import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, stat, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  initStore,
  applyBundle,
  readStatus,
  rollback,
  readHistory,
  listPolicies,
  deletePolicy,
  readNodeContent,
  verifyStore,
  verifyInboxFile,
  readLogTail,
  formatUpdateInformation,
} from './index.js';
import { hashTree, sampleFile, OLD_VERSIONS, NEW_VERSIONS, sha256 } from './testing.js';
import { storePaths } from './paths.js';
import { writeFile } from 'node:fs/promises';
import { acquireApplyLock } from './lock.js';
import { readCurrent } from './store.js';

let dir: string;
let oldFile: string;
let newFile: string;
let mixedFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-apply-'));
  oldFile = await sampleFile(dir, 'old.zip', { versions: OLD_VERSIONS });
  newFile = await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS });
  // only the windows chart moves: the per-component incremental case
  mixedFile = await sampleFile(dir, 'mixed.zip', { versions: { ...NEW_VERSIONS, avasWindows: '298.0.0.0' } });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function freshStore(name: string) {
  return (await initStore(join(dir, name), { name })).store;
}

describe('initStore', () => {
  it('creates the layout, a 0600 token and key, and reports the cert fingerprint', async () => {
    const r = await initStore(join(dir, 'init'), { name: 'ise-lab-1' });
    expect(r.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect((await stat(r.tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(storePaths(r.store).key)).mode & 0o777).toBe(0o600);
    const status = await readStatus(r.store);
    expect(status).toMatchObject({
      versions: { conditions: '0.0.0.0', supportedOs: '0.0.0.0' },
      lastSuccessfulUpdate: null,
      updateMode: 'Offline',
      defaultPoliciesCreated: false,
      updating: false,
      name: 'ise-lab-1',
    });
    expect(formatUpdateInformation(status)).toContain('Last successful update on: No Update since Installation');
    // idempotent: same identity the second time
    expect((await initStore(r.store)).fingerprint).toBe(r.fingerprint);
  });

  it('refuses a directory that is not a store', async () => {
    await expect(readStatus(join(dir, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('applyBundle', () => {
  it('moves versions old → new per component, skips same versions, refuses downgrades', async () => {
    const store = await freshStore('s1');
    const first = await applyBundle(store, oldFile, { who: 'tester' });
    expect(first.applied.map((a) => a.component)).toHaveLength(6);
    expect(first.status.versions).toEqual(OLD_VERSIONS);
    expect(first.status.lastSuccessfulUpdate).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/);
    expect(first.status.lastUpdateStatus).toBe(`Last update attempt at ${first.status.lastSuccessfulUpdate} was successful`);
    expect(first.status.defaultPoliciesCreated).toBe(true);
    expect(first.createdDefaults).toContain('Default_AntiMalware_Policy_Win');

    const second = await applyBundle(store, newFile, { who: 'tester' });
    expect(second.status.versions).toEqual(NEW_VERSIONS);
    expect(second.applied.find((a) => a.component === 'conditions')).toEqual({
      component: 'conditions',
      from: '280052.0.0.0',
      to: '300418.0.0.0',
    });
    expect(second.createdDefaults).toEqual([]);

    const mixed = await applyBundle(store, mixedFile, { who: 'tester' });
    expect(mixed.applied).toEqual([{ component: 'avas-windows', from: '297.0.0.0', to: '298.0.0.0' }]);
    expect(mixed.skipped.map((s) => [s.component, s.reason])).toContainEqual(['conditions', 'same-version']);
    expect(mixed.skipped).toHaveLength(5);

    const before = await hashTree(store, ['logs', 'history.jsonl']);
    await expect(applyBundle(store, oldFile)).rejects.toMatchObject({ code: 'DOWNGRADE_REFUSED' });
    expect(await hashTree(store, ['logs', 'history.jsonl'])).toBe(before);
    expect((await readStatus(store)).lastUpdateStatus).toMatch(/failed: DOWNGRADE_REFUSED/);

    const content = await readNodeContent(store);
    expect(content.versions.avasWindows).toBe('298.0.0.0');
    expect(content.components['avas-windows']?.products?.length).toBeGreaterThan(0);
    expect((await verifyStore(store)).ok).toBe(true);

    const hist = await readHistory(store);
    expect(hist.map((h) => h.result)).toEqual(['refused', 'success', 'success', 'success']);
    expect(hist[0]!.error?.code).toBe('DOWNGRADE_REFUSED');
    expect(hist[1]!.who).toBe('tester');
    expect(hist[1]!.sha256).toBe(sha256(await readFile(mixedFile)));

    const log = await readLogTail(store, 200);
    expect(log).toMatch(
      / INFO {2}\[agent-cli\]\[\[\]\] cisco\.cpm\.posture\.download\.DownloadManager -::tester::- Starting opswat download/,
    );
    expect(log).toMatch(/Offline download file URI :.*\/osgroupsV2\.tar\.gz/);
    expect(log).toMatch(/Offline download file URI :.*\/osgroups\.tar\.gz/);
    expect(log).toMatch(/Completed opswat download/);
    expect(log).toMatch(/ ERROR \[agent-cli\].*DOWNGRADE_REFUSED/);
  });

  it('allows a downgrade only when asked', async () => {
    const store = await freshStore('s2');
    await applyBundle(store, newFile);
    const r = await applyBundle(store, oldFile, { allowDowngrade: true });
    expect(r.status.versions).toEqual(OLD_VERSIONS);
  });

  it('dry run checks everything and writes nothing', async () => {
    const store = await freshStore('s3');
    const before = await hashTree(store);
    const r = await applyBundle(store, newFile, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.applied).toHaveLength(6);
    expect(r.status.versions.conditions).toBe('0.0.0.0');
    await expect(applyBundle(store, join(dir, 'missing.zip'), { dryRun: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await hashTree(store)).toBe(before);
  });

  it('rollback restores the versions before the last apply, then walks further back, then has nothing left', async () => {
    const store = await freshStore('s4');
    await expect(rollback(store)).rejects.toMatchObject({ code: 'NOTHING_TO_ROLL_BACK' });
    await applyBundle(store, oldFile);
    await applyBundle(store, newFile);
    const r = await rollback(store);
    expect(r.status.versions).toEqual(OLD_VERSIONS);
    expect((await readStatus(store)).versions).toEqual(OLD_VERSIONS);
    expect((await verifyStore(store)).ok).toBe(true);
    expect((await readHistory(store))[0]!.mode).toBe('rollback');
    // the undone apply is gone; the state before the first apply is still kept
    expect((await rollback(store)).status.versions.conditions).toBe('0.0.0.0');
    await expect(rollback(store)).rejects.toMatchObject({ code: 'NOTHING_TO_ROLL_BACK' });
  });

  it('default policies are created once and a deleted one never comes back', async () => {
    const store = await freshStore('s5');
    await applyBundle(store, oldFile);
    const names = (await listPolicies(store)).map((p) => p.name);
    expect(names).toContain('Default_Firewall_Policy_Win');
    const del = await deletePolicy(store, 'Default_Firewall_Policy_Win');
    expect(del.deleted.map((d) => d.kind)).toEqual(['policy']);
    await applyBundle(store, newFile);
    expect((await listPolicies(store)).map((p) => p.name)).not.toContain('Default_Firewall_Policy_Win');
    await rollback(store);
    expect((await listPolicies(store)).map((p) => p.name)).not.toContain('Default_Firewall_Policy_Win');
    expect((await readStatus(store)).defaultPoliciesCreated).toBe(true);
    await expect(deletePolicy(store, 'No_Such_Policy')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('applies a bundle by its name in the inbox and verifies inbox files', async () => {
    const store = await freshStore('s6');
    await writeFile(join(storePaths(store).inbox, 'posture-offline.zip'), await readFile(newFile));
    const v = await verifyInboxFile(store, 'posture-offline.zip');
    expect(v).toEqual({ file: 'posture-offline.zip', size: (await stat(newFile)).size, sha256: sha256(await readFile(newFile)) });
    await expect(verifyInboxFile(store, '../agent.json')).rejects.toMatchObject({ code: 'USAGE' });
    const r = await applyBundle(store, 'posture-offline.zip');
    expect(r.status.versions).toEqual(NEW_VERSIONS);
  });

  it('removes a bundle from the inbox once applied; keeps dry-run and refused ones, and files outside the inbox', async () => {
    const store = await freshStore('s10');
    const inbox = storePaths(store).inbox;
    await writeFile(join(inbox, 'new.zip'), await readFile(newFile));
    await applyBundle(store, 'new.zip', { dryRun: true });
    expect(await readdir(inbox)).toEqual(['new.zip']);
    await applyBundle(store, 'new.zip');
    expect(await readdir(inbox)).toEqual([]);
    // a refused bundle (downgrade) stays for the admin to look at
    await writeFile(join(inbox, 'old.zip'), await readFile(oldFile));
    await expect(applyBundle(store, 'old.zip')).rejects.toMatchObject({ code: 'DOWNGRADE_REFUSED' });
    expect(await readdir(inbox)).toEqual(['old.zip']);
    // an applied file given by a path outside the inbox is the admin's own: never removed
    await applyBundle(store, oldFile, { allowDowngrade: true });
    expect((await stat(oldFile)).isFile()).toBe(true);
    expect(await readdir(inbox)).toEqual(['old.zip']);
  });

  it('while an apply holds the store, status says "An update is running" and another apply gets APPLY_BUSY', async () => {
    const store = await freshStore('s8');
    const release = await acquireApplyLock(store, 'test');
    try {
      expect(await readStatus(store)).toMatchObject({ updating: true, lastUpdateStatus: 'An update is running' });
      await expect(applyBundle(store, newFile)).rejects.toMatchObject({ code: 'APPLY_BUSY' });
      await expect(rollback(store)).rejects.toMatchObject({ code: 'APPLY_BUSY' });
    } finally {
      await release();
    }
    expect((await readStatus(store)).updating).toBe(false);
  });

  it('a damaged installed payload is re-installed from the verified bundle, never carried over', async () => {
    const store = await freshStore('s9');
    await applyBundle(store, newFile);
    const { state } = await readCurrent(store);
    const victim = join(storePaths(store).state(state.id), state.components['avas-mac']!.file);
    await writeFile(victim, 'bit rot');
    expect((await verifyStore(store)).problems).toEqual(['avas-mac: size 7 != ' + state.components['avas-mac']!.size]);
    const r = await applyBundle(store, mixedFile);
    expect(r.applied.map((a) => a.component)).toEqual(['avas-windows']);
    expect((await verifyStore(store)).ok).toBe(true);
    expect(await readLogTail(store, 50)).toMatch(/WARN {2}\[agent-cli\].*Installed avas-mac payload did not match its recorded SHA-256/);
  });

  it('a corrupt store is reported as STORE_CORRUPT', async () => {
    const store = await freshStore('s7');
    await writeFile(storePaths(store).current, '{not json');
    await expect(readStatus(store)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await expect(applyBundle(store, newFile)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });
});
