/**
 * The library's records (`bundles/<sha256>.json`) are parsed through a schema (issue 9 §4): a damaged one is
 * STORE_CORRUPT naming the file and the field (never an entry with a wrong path or size); a record whose
 * bundle is gone is no entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../bundle/index.js';
import { openLibrary, type BundleLibrary } from './index.js';

let work: string;
let lib: BundleLibrary;
let record: string;
let original: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ps-lib-records-'));
  const file = join(work, 'posture-offline.zip');
  writeFileSync(file, await writeBundle({ seed: 5 }));
  lib = openLibrary(join(work, 'home'));
  const entry = await lib.add(file, { kind: 'file', path: file });
  record = join(lib.dir, `${entry.sha256}.json`);
  original = readFileSync(record, 'utf8');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('library records are parsed, not cast', () => {
  it('a size that is not a number is STORE_CORRUPT naming the record and the field', async () => {
    writeFileSync(record, JSON.stringify({ ...JSON.parse(original), size: 'big' }));
    await expect(lib.list()).rejects.toMatchObject({
      code: 'STORE_CORRUPT',
      details: { file: record, problem: expect.stringContaining('size') },
    });
    writeFileSync(record, original);
    expect(await lib.list()).toHaveLength(1);
  });

  it('a record that names another bundle than its file name is STORE_CORRUPT', async () => {
    writeFileSync(record, JSON.stringify({ ...JSON.parse(original), sha256: 'f'.repeat(64) }));
    await expect(lib.list()).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    writeFileSync(record, original);
  });
});
