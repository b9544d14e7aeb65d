/** The last N states kept, `rollback --to N|SHA256` (issue 8 §6), and stores made before `kept`. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBundle, initStore, listStates, readHistory, readStatus, rollback, verifyStore, DEFAULT_KEEP_STATES } from './index.js';
import { sampleFile, sha256, OLD_VERSIONS } from './testing.js';
import { storePaths } from './paths.js';

let dir: string;
/** Six bundles, each newer than the one before in avasWindows. */
const files: string[] = [];
const shas: string[] = [];
const avas = (i: number) => `${270 + i}.0.0.0`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-states-'));
  for (let i = 0; i < 6; i++) {
    files.push(await sampleFile(dir, `b${i}.zip`, { versions: { ...OLD_VERSIONS, avasWindows: avas(i) } }));
    shas.push(sha256(await readFile(files[i]!)));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stateDirs = async (store: string) => (await readdir(storePaths(store).states)).filter((n) => !n.startsWith('.'));

describe('kept states', () => {
  it(`keeps ${DEFAULT_KEEP_STATES} states by default (current included) and prunes the rest`, async () => {
    const { store, keepStates } = await initStore(join(dir, 'default'));
    expect(keepStates).toBe(5);
    for (const f of files) await applyBundle(store, f);
    const s = await listStates(store);
    expect(s.current).toMatchObject({ step: 0, bundleSha256: shas[5], versions: { avasWindows: avas(5) } });
    expect(s.kept.map((k) => [k.step, k.bundleSha256])).toEqual([
      [1, shas[4]],
      [2, shas[3]],
      [3, shas[2]],
      [4, shas[1]],
    ]);
    expect(await stateDirs(store)).toHaveLength(5);
  });

  it('--keep-states at init; rollback --to N steps and --to SHA256; newer states are discarded, older stay', async () => {
    const { store } = await initStore(join(dir, 'three'), { keepStates: 3 });
    for (const f of files) await applyBundle(store, f);
    expect(await stateDirs(store)).toHaveLength(3);
    const r = await rollback(store, { to: 2, who: 'alice' });
    expect(r).toMatchObject({ steps: 2, restored: { versions: { avasWindows: avas(3) } } });
    expect((await readHistory(store))[0]).toMatchObject({ mode: 'rollback', steps: 2, sha256: shas[3], who: 'alice' });
    expect((await listStates(store)).kept).toEqual([]);
    await expect(rollback(store)).rejects.toMatchObject({ code: 'NOTHING_TO_ROLL_BACK' });

    await applyBundle(store, files[4]!);
    await applyBundle(store, files[5]!);
    // kept now: b4 state, then the rolled-back-to b3 state
    const bySha = await rollback(store, { to: shas[3]! });
    expect(bySha).toMatchObject({ steps: 2, status: { versions: { avasWindows: avas(3) } } });
    expect((await readStatus(store)).versions.avasWindows).toBe(avas(3));
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('--to a state the node does not keep: NOT_FOUND listing what it keeps; nothing changes', async () => {
    const { store } = await initStore(join(dir, 'missing'));
    await applyBundle(store, files[0]!);
    await applyBundle(store, files[1]!);
    const before = await readFile(storePaths(store).current, 'utf8');
    await expect(rollback(store, { to: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { kept: [{ step: 1 }, { step: 2 }] } });
    await expect(rollback(store, { to: shas[5]! })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // the current state's own bundle is not a rollback target
    await expect(rollback(store, { to: shas[1]! })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readFile(storePaths(store).current, 'utf8')).toBe(before);
    expect((await rollback(store, { to: 2 })).status.versions.conditions).toBe('0.0.0.0');
  });

  it('a store made before `kept` (CURRENT with state + previous only) rolls back and then keeps N', async () => {
    const { store } = await initStore(join(dir, 'format1'));
    await applyBundle(store, files[0]!);
    await applyBundle(store, files[1]!);
    // what an older version wrote: only the live state and the one before it, and the older states pruned
    const pointer = JSON.parse(await readFile(storePaths(store).current, 'utf8'));
    await writeFile(storePaths(store).current, JSON.stringify({ state: pointer.state, previous: pointer.previous }));
    const agent = JSON.parse(await readFile(storePaths(store).agentFile, 'utf8'));
    delete agent.keepStates;
    await writeFile(storePaths(store).agentFile, JSON.stringify(agent));
    expect((await listStates(store)).kept.map((k) => k.bundleSha256)).toEqual([shas[0]]);
    await applyBundle(store, files[2]!);
    expect((await listStates(store)).kept.map((k) => k.bundleSha256)).toEqual([shas[1], shas[0]]);
    const written = JSON.parse(await readFile(storePaths(store).current, 'utf8'));
    // older readers still find the rollback target where they look
    expect(written.previous).toBe(written.kept[0]);
    expect((await rollback(store)).status.versions.avasWindows).toBe(avas(1));
  });

  it('keepStates out of range is a usage error', async () => {
    await expect(initStore(join(dir, 'bad'), { keepStates: 1 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(initStore(join(dir, 'bad'), { keepStates: 101 })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('an existing store: init --keep-states changes the setting', async () => {
    const { store } = await initStore(join(dir, 'change'));
    expect((await initStore(store, { keepStates: 2 })).keepStates).toBe(2);
    for (const f of files.slice(0, 3)) await applyBundle(store, f);
    expect(await stateDirs(store)).toHaveLength(2);
  });
});
