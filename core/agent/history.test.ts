/** History chained by hash (issue 8 §6): every line links to the one before; `verifyHistory` names the first broken link. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBundle, deletePolicy, initStore, readHistory, rollback, verifyHistory, HISTORY_GENESIS } from './index.js';
import { appendHistory } from './history.js';
import { sampleFile, OLD_VERSIONS, NEW_VERSIONS } from './testing.js';
import { storePaths } from './paths.js';

let dir: string;
let oldFile: string;
let newFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-history-'));
  oldFile = await sampleFile(dir, 'old.zip', { versions: OLD_VERSIONS });
  newFile = await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const lines = async (store: string) => (await readFile(storePaths(store).history, 'utf8')).split('\n').filter(Boolean);

/** A store with five history lines: apply, apply, refused downgrade, policy delete, rollback. */
async function storeWithHistory(name: string): Promise<string> {
  const { store } = await initStore(join(dir, name));
  await applyBundle(store, oldFile, { who: 'alice' });
  await applyBundle(store, newFile, { who: 'bob' });
  await applyBundle(store, oldFile, { who: 'mallory' }).catch(() => undefined);
  await deletePolicy(store, 'Default_AppVis_Policy_Win', { who: 'alice' });
  await rollback(store, { who: 'carol' });
  return store;
}

describe('history chain', () => {
  it('links every line to the one before (genesis first), and verifies', async () => {
    const store = await storeWithHistory('chain');
    const text = await lines(store);
    expect(text).toHaveLength(5);
    expect(JSON.parse(text[0]!).prev).toBe(HISTORY_GENESIS);
    for (let i = 1; i < text.length; i++) expect(JSON.parse(text[i]!).prev).toBe(sha(text[i - 1]!));
    expect(await verifyHistory(store)).toEqual({ lines: 5, chained: 5, unchained: 0, torn: [], head: sha(text[4]!) });
    // readers see entries, not links
    expect((await readHistory(store)).map((h) => [h.who, h.mode, h.result])).toEqual([
      ['carol', 'rollback', 'success'],
      ['alice', 'policy-delete', 'success'],
      ['mallory', 'apply', 'refused'],
      ['bob', 'apply', 'success'],
      ['alice', 'apply', 'success'],
    ]);
    expect((await readHistory(store))[0]).not.toHaveProperty('prev');
  });

  it('a changed line breaks the link of the next one: reported with line number, expected and found', async () => {
    const store = await storeWithHistory('changed');
    const text = await lines(store);
    const forged = text[2]!.replace('"who":"mallory"', '"who":"alice"');
    await writeFile(storePaths(store).history, [...text.slice(0, 2), forged, ...text.slice(3)].join('\n') + '\n');
    const v = await verifyHistory(store);
    expect(v.broken).toEqual({ line: 4, expected: sha(forged), got: sha(text[2]!) });
  });

  it('a removed line, an inserted line and a line without link are reported', async () => {
    const store = await storeWithHistory('removed');
    const text = await lines(store);
    const write = (ls: string[]) => writeFile(storePaths(store).history, ls.join('\n') + '\n');
    await write([text[0]!, ...text.slice(2)]);
    expect((await verifyHistory(store)).broken).toEqual({ line: 2, expected: sha(text[0]!), got: sha(text[1]!) });
    const inserted = JSON.stringify({ ...JSON.parse(text[1]!), who: 'ghost' });
    await write([text[0]!, text[1]!, inserted, ...text.slice(2)]);
    expect((await verifyHistory(store)).broken?.line).toBe(3);
    const { prev: _p, ...unlinked } = JSON.parse(text[3]!) as Record<string, unknown>;
    await write([...text.slice(0, 3), JSON.stringify(unlinked), text[4]!]);
    expect((await verifyHistory(store)).broken).toEqual({ line: 4, expected: sha(text[2]!), got: null });
    await write(text);
    expect((await verifyHistory(store)).broken).toBeUndefined();
  });

  it('a history from before chaining: its lines stay unchained, the chain starts after them, linked to the last', async () => {
    const { store } = await initStore(join(dir, 'legacy'));
    const legacy = [
      { at: '2025-01-01T00:00:00.000Z', sha256: 'a'.repeat(64), mode: 'apply', applied: [], result: 'success', who: 'admin' },
      { at: '2025-01-02T00:00:00.000Z', sha256: '', mode: 'rollback', applied: [], result: 'success', who: 'admin' },
    ].map((e) => JSON.stringify(e));
    await writeFile(storePaths(store).history, legacy.join('\n') + '\n');
    expect(await verifyHistory(store)).toMatchObject({ lines: 2, chained: 0, unchained: 2 });
    await applyBundle(store, newFile);
    const text = await lines(store);
    expect(JSON.parse(text[2]!).prev).toBe(sha(legacy[1]!));
    const v = await verifyHistory(store);
    expect(v).toMatchObject({ lines: 3, chained: 1, unchained: 2 });
    expect(v.broken).toBeUndefined();
    expect((await readHistory(store)).map((h) => h.mode)).toEqual(['apply', 'rollback', 'apply']);
  });

  it('a line torn by a crash: the next entry starts on a new line, links to the torn bytes, and the chain holds', async () => {
    const { store } = await initStore(join(dir, 'torn'));
    await applyBundle(store, oldFile);
    await appendFile(storePaths(store).history, '{"at":"2025-03-13T00:00:00.000Z","sha256":"ab');
    await appendHistory(store, { at: new Date().toISOString(), sha256: '', mode: 'rollback', applied: [], result: 'success', who: 'x' });
    const text = await lines(store);
    expect(text).toHaveLength(3);
    expect(JSON.parse(text[2]!).prev).toBe(sha(text[1]!));
    const v = await verifyHistory(store);
    expect(v).toMatchObject({ lines: 3, chained: 2, torn: [2] });
    expect(v.broken).toBeUndefined();
    expect((await readHistory(store)).map((h) => h.mode)).toEqual(['rollback', 'apply']);
  });

  it('an empty store verifies as an empty chain', async () => {
    const { store } = await initStore(join(dir, 'empty'));
    expect(await verifyHistory(store)).toEqual({ lines: 0, chained: 0, unchained: 0, torn: [], head: null });
  });
});
