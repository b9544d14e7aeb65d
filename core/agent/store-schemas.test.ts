/**
 * Parse, don't cast (issue 9 §4): every file of the node store is read through its schema. A damaged or
 * hand-edited file is STORE_CORRUPT naming the file and the field, and reading it changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBundle, initStore, readHistory, readNodeContent, readStatus } from './index.js';
import { hashTree, sampleFile } from './testing.js';
import { storePaths } from './paths.js';

let work: string;
let store: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ps-store-schemas-'));
  store = join(work, 'store');
  await initStore(store, { name: 'node-a' });
  await applyBundle(store, await sampleFile(work, 'b.zip', { seed: 3 }), { who: 'alice' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Replaces `file` with `text` for the duration of `fn`, then puts the original back. */
async function withFile(file: string, text: string, fn: () => Promise<void>): Promise<void> {
  const original = readFileSync(file);
  writeFileSync(file, text);
  try {
    await fn();
  } finally {
    writeFileSync(file, original);
  }
}

const liveState = () => JSON.parse(readFileSync(storePaths(store).current, 'utf8')).state as string;

describe('node store files are parsed, not cast', () => {
  it('state.json with a version that is not a string is STORE_CORRUPT naming the field; the store is unchanged', async () => {
    const file = join(storePaths(store).state(liveState()), 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    state.versions.conditions = 42;
    await withFile(file, JSON.stringify(state), async () => {
      const before = await hashTree(store);
      const e = await readStatus(store).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'STORE_CORRUPT', details: { problem: expect.stringContaining('versions.conditions') } });
      expect(await hashTree(store)).toBe(before);
    });
  });

  it('CURRENT naming a path instead of a state is STORE_CORRUPT, never a read outside states/', async () => {
    await withFile(storePaths(store).current, JSON.stringify({ state: '../../etc', previous: null }), async () => {
      await expect(readStatus(store)).rejects.toMatchObject({
        code: 'STORE_CORRUPT',
        details: { problem: expect.stringContaining('CURRENT') },
      });
    });
  });

  it('agent.json that is not an object is STORE_CORRUPT; a directory without it is NOT_FOUND', async () => {
    await withFile(storePaths(store).agentFile, '[1,2]', async () => {
      await expect(readStatus(store)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    });
    await expect(readStatus(work)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a content file whose products are not a list is STORE_CORRUPT naming the component', async () => {
    const dir = storePaths(store).state(liveState());
    const name = readdirSync(dir).find((n) => n === 'avas-windows.content.json');
    expect(name).toBeDefined();
    const file = join(dir, name!);
    await withFile(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), products: 'none' }), async () => {
      await expect(readNodeContent(store)).rejects.toMatchObject({
        code: 'STORE_CORRUPT',
        details: { problem: expect.stringMatching(/content of avas-windows.*products/) },
      });
    });
  });

  it('a whole history line of the wrong shape is STORE_CORRUPT naming the line; a torn last line is skipped', async () => {
    const file = storePaths(store).history;
    const text = readFileSync(file, 'utf8');
    await withFile(file, text + '{"at":"x","mode":"explode"}\n', async () => {
      await expect(readHistory(store)).rejects.toMatchObject({
        code: 'STORE_CORRUPT',
        details: { problem: expect.stringContaining('line 2') },
      });
    });
    await withFile(file, text + '{"at":"x","mo', async () => {
      expect(await readHistory(store)).toHaveLength(1);
    });
  });
});
