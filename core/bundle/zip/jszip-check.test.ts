import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bytes, memoryReader } from './bytes.js';
import { readEndRecord } from './eocd.js';
import { readCentralDirectory, type CentralEntry } from './central.js';
import { crossCheckWithJszip, skeletonOf } from './jszip-check.js';
import { goodZip } from '../fixtures/container.js';

const corpus = join(fileURLToPath(new URL('../../../', import.meta.url)), '..', 'shared', 'corpus', 'third-party', 'yauzl-success');
const openable = [
  'unicode.zip',
  'directories.zip',
  'windows-compressed-folder.zip',
  'zip64.zip',
  'streaming.zip',
  'everything.zip',
  'cygwin-info-zip.zip',
];

const centralOf = async (data: Uint8Array): Promise<CentralEntry[]> =>
  readCentralDirectory(new Bytes(data), await readEndRecord(memoryReader(data)));

async function jszipView(data: Uint8Array): Promise<string[]> {
  const zip = await JSZip.loadAsync(data, { createFolders: false });
  return Object.values(zip.files).map(
    (f) => `${f.name}|${f.dir}|${(f as JSZip.JSZipObject & { unsafeOriginalName?: string }).unsafeOriginalName ?? ''}`,
  );
}

describe('jszip skeleton', () => {
  it('gives jszip the same view of the names as the real zip does', async () => {
    const samples: Uint8Array[] = [await goodZip()];
    if (existsSync(corpus))
      samples.push(...openable.filter((f) => readdirSync(corpus).includes(f)).map((f) => new Uint8Array(readFileSync(join(corpus, f)))));
    for (const data of samples) {
      const skeleton = skeletonOf(await centralOf(data));
      expect(skeleton.length).toBeLessThanOrEqual(data.length + 64);
      expect(await jszipView(skeleton)).toEqual(await jszipView(data));
    }
  });

  it('refuses names jszip rewrites, even if our own name checks were bypassed', async () => {
    const [entry] = await centralOf(await goodZip());
    const evil = { ...entry!, name: '../evil.txt', rawName: new TextEncoder().encode('../evil.txt'), isDir: false };
    await expect(crossCheckWithJszip([evil])).rejects.toMatchObject({
      code: 'ZIP_UNSAFE_PATH',
      details: { entry: '../evil.txt', reason: 'rewritten by the zip library', rewrittenAs: 'evil.txt' },
    });
  });

  it('refuses when jszip and our walk disagree on the entries', async () => {
    const entries = await centralOf(await goodZip());
    const renamed = entries.map((e, i) => (i === 0 ? { ...e, name: 'something-else.xml' } : e));
    await expect(crossCheckWithJszip(renamed)).rejects.toMatchObject({
      code: 'ZIP_CORRUPT',
      details: { reason: 'reader-disagreement', onlyOurs: ['something-else.xml'] },
    });
  });
});
