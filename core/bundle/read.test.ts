import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError, type ErrorCode } from '../errors.js';
import { readBundle } from './read.js';
import type { ReadOptions } from './index.js';
import type { Progress } from './index.js';
import * as fx from './fixtures/container.js';

/** Opens and reads every entry; returns the refusal (or fails the test if there is none). */
async function refusal(bytes: Uint8Array, opts: ReadOptions = {}): Promise<CoreError> {
  try {
    const bundle = await readBundle(bytes, opts);
    for (const e of bundle.entries) await bundle.read(e.name);
  } catch (e) {
    expect(e).toBeInstanceOf(CoreError);
    return e as CoreError;
  }
  throw new Error('expected a refusal, but the zip was accepted');
}

async function expectRefused(bytes: Uint8Array, code: ErrorCode, details: Record<string, unknown>, opts?: ReadOptions): Promise<CoreError> {
  const e = await refusal(bytes, opts);
  expect({ code: e.code, details: e.details }).toMatchObject({ code, details });
  return e;
}

describe('readBundle: a good zip', () => {
  it('lists entries in central-directory order and reads back the exact bytes', async () => {
    const zip = await fx.goodZip();
    const bundle = await readBundle(zip);
    expect(bundle.fileName).toBe('bundle.zip');
    expect(bundle.size).toBe(zip.length);
    expect(bundle.sha256).toBe(createHash('sha256').update(zip).digest('hex'));
    expect(bundle.entries.map((e) => e.name)).toEqual(['posture-update.xml', 'data/', 'data/bin.dat', 'data/stored.txt', 'empty.txt']);
    for (const [name, content] of Object.entries(fx.GOOD_CONTENT)) {
      expect(Buffer.from(await bundle.read(name)).equals(Buffer.from(content))).toBe(true);
      expect(bundle.entries.find((e) => e.name === name)?.size).toBe(content.length);
    }
    expect((await bundle.read('data/')).length).toBe(0);
    const xml = bundle.entries.find((e) => e.name === 'posture-update.xml')!;
    expect(xml.compressedSize).toBeLessThan(xml.size);
  });

  it('streams every entry in chunks with the same bytes as read(), under the same checks', async () => {
    const bundle = await readBundle(await fx.goodZip());
    for (const e of bundle.entries) {
      const parts: Buffer[] = [];
      const { size, sha256 } = await bundle.stream(e.name, (c) => void parts.push(Buffer.from(c)));
      expect(size).toBe(e.size);
      expect(Buffer.concat(parts).equals(Buffer.from(await bundle.read(e.name)))).toBe(true);
      expect(sha256).toBe(createHash('sha256').update(Buffer.concat(parts)).digest('hex'));
    }
    const bad = await readBundle(fx.crcWrong());
    const name = bad.entries.find((e) => !e.name.endsWith('/'))!.name;
    await expect(bad.stream(name, () => undefined)).rejects.toMatchObject({ code: 'ZIP_CORRUPT', details: { reason: 'crc-mismatch' } });
  });

  it('reads from a path, names it by its basename and reports hash and inflate progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-read-'));
    try {
      const path = join(dir, 'posture-offline.zip');
      writeFileSync(path, await fx.goodZip());
      const phases = new Set<Progress['phase']>();
      const bundle = await readBundle(path, { onProgress: (p) => phases.add(p.phase) });
      expect(bundle.fileName).toBe('posture-offline.zip');
      await bundle.read('data/bin.dat');
      expect([...phases].sort()).toEqual(['hash', 'inflate', 'read']);
      await expect(readBundle(join(dir, 'missing.zip'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(readBundle(dir)).rejects.toMatchObject({ code: 'NOT_A_ZIP', details: { detected: 'a directory' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a streamed zip (data descriptors) and serves parallel reads correctly', async () => {
    const bundle = await readBundle(fx.descriptorZip());
    const [a, b] = await Promise.all([bundle.read('a.txt'), bundle.read('b.txt')]);
    expect(Buffer.from(a).toString()).toBe('hello posture\n');
    expect(Buffer.from(b).toString()).toBe('bbb');
  });

  it('refuses an unknown entry name and honours cancellation', async () => {
    const bundle = await readBundle(fx.plainZip());
    await expect(bundle.read('nope.txt')).rejects.toMatchObject({ code: 'ENTRY_MISSING', details: { entry: 'nope.txt' } });
    const aborted = new AbortController();
    aborted.abort();
    await expect(readBundle(fx.plainZip(), { signal: aborted.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    const later = new AbortController();
    const opened = await readBundle(fx.plainZip(), { signal: later.signal });
    later.abort();
    await expect(opened.read('a.txt')).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('cancels an inflation in progress', async () => {
    const controller = new AbortController();
    const bundle = await readBundle(fx.largeZip(24, 1), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'inflate' && p.done > 0) controller.abort();
      },
    });
    await expect(bundle.read('payload-0.xml')).rejects.toMatchObject({ code: 'CANCELLED', details: { entry: 'payload-0.xml' } });
  });

  it('returns stored entries as copies, not views into the zip', async () => {
    const zip = fx.plainZip();
    const bundle = await readBundle(zip);
    const b = await bundle.read('b.txt');
    b.fill(0);
    expect(Buffer.from(await bundle.read('b.txt')).toString()).toBe('second entry, stored');
  });

  it('merges custom limits over the defaults and refuses nonsense limits', async () => {
    await expect(readBundle(fx.plainZip(), { limits: { maxEntries: undefined } })).resolves.toBeDefined();
    await expect(readBundle(fx.plainZip(), { limits: { maxEntries: -1 } })).rejects.toMatchObject({
      code: 'USAGE',
      details: { limit: 'maxEntries' },
    });
  });
});

describe('NOT_A_ZIP', () => {
  it.each([
    ['empty', fx.emptyFile(), 'empty (0 bytes)'],
    ['gzip', fx.gzipFile(), 'a gzip file (.gz or .tar.gz)'],
    ['tar', fx.tarFile(), 'a tar archive'],
    ['text', fx.textFile(), 'not a zip archive (no zip signature found)'],
  ])('%s', async (_label, bytes, detected) => {
    const e = await expectRefused(bytes, 'NOT_A_ZIP', { detected });
    expect(e.message).toContain(
      'Only a single .zip archive is accepted (archive files other than .zip, such as .tar and .gz, are not supported)',
    );
  });
});

describe('ZIP_UNSAFE_PATH', () => {
  it.each([
    ['../', fx.parentPath(), '../evil.txt', 'parent directory segment (..)'],
    ['nested ..', fx.nestedParentPath(), 'docs/../../evil.txt', 'parent directory segment (..)'],
    ['absolute', fx.absolutePath(), '/etc/evil.txt', 'absolute path (leading /)'],
    ['drive letter', fx.driveLetterPath(), 'C:/Windows/evil.txt', 'drive letter'],
    ['backslash', fx.backslashPath(), '..\\..\\evil.txt', 'contains a backslash'],
    ['NUL', fx.nulPath(), 'posture-update.xml\0.txt', 'contains a NUL character'],
    ['./', fx.dotSegmentPath(), 'a/./b.txt', 'current directory segment (.)'],
    ['//', fx.emptySegmentPath(), 'a//b.txt', 'empty path segment (//)'],
    ['unicode path field', fx.unicodePathMismatch(), 'a.txt', 'a Unicode Path extra field names a different file'],
  ])('%s', async (_label, bytes, entry, reason) => {
    await expectRefused(bytes, 'ZIP_UNSAFE_PATH', { entry, reason });
  });

  it.each([
    ['a C0 control', 'notes\u001b[31m.txt', 'contains a control character'],
    ['a C1 control', 'notes\u0085.txt', 'contains a C1 control character'],
    ['a bidi override', 'invoice\u202Efdp.exe', 'contains a bidirectional override (U+202E)'],
    ['a bidi isolate', 'a\u2066b.txt', 'contains a bidirectional override (U+2066)'],
    ['a trailing dot', 'posture-conditions.xml.', 'a path segment ends in a dot (Windows drops it, so two names could meet)'],
    ['a trailing space', 'notes.txt ', 'a path segment ends in a space (Windows drops it, so two names could meet)'],
    ['a folder ending in a dot', 'docs./notes.txt', 'a path segment ends in a dot (Windows drops it, so two names could meet)'],
    ['a folder entry ending in a space', 'docs /', 'a path segment ends in a space (Windows drops it, so two names could meet)'],
  ])('a name with %s', async (_label, name, reason) => {
    await expectRefused(fx.named(name), 'ZIP_UNSAFE_PATH', { entry: name, reason });
  });

  it('symbolic links', async () => {
    await expectRefused(fx.symlinkEntry(), 'ZIP_UNSAFE_PATH', { entry: 'link', reason: 'a symbolic link', unixMode: '0120777' });
  });

  it('non-UTF-8 names', async () => {
    await expectRefused(fx.nonUtf8Path(), 'ZIP_UNSAFE_PATH', { reason: 'not valid UTF-8', rawHex: '66fffe2e74' });
  });
});

describe('DUPLICATE_ENTRY', () => {
  it.each([
    ['same name', fx.duplicateName(), 'a.txt', 'a.txt'],
    ['same name once case and Unicode form are ignored', fx.duplicateCase(), 'posture-update.xml', 'Posture-Update.xml'],
    ['a file and a directory of the same name', fx.fileAndDirectory(), 'data/', 'data'],
    ['a file that is also the folder of another entry', fx.fileAsParent(), 'data', 'data/x.txt'],
  ])('%s', async (reason, bytes, entry, other) => {
    await expectRefused(bytes, 'DUPLICATE_ENTRY', { entry, other, reason });
  });
});

describe('ZIP_UNSUPPORTED', () => {
  it.each([
    ['encryption flag', fx.encrypted(), { reason: 'encrypted', entry: 'a.txt' }],
    ['strong encryption', fx.strongEncrypted(), { reason: 'encrypted', entry: 'a.txt' }],
    ['unknown method', fx.unknownMethod(), { reason: 'compression-method', entry: 'a.txt', actual: 12 }],
    ['multi-disk end record', fx.multiDisk(), { reason: 'multi-disk', expected: 0, actual: 1 }],
    ['entry on another disk', fx.entryOnOtherDisk(), { reason: 'multi-disk', entry: 'a.txt', actual: 2 }],
  ])('%s', async (_label, bytes, details) => {
    await expectRefused(bytes, 'ZIP_UNSUPPORTED', details);
  });
});

describe('ZIP_CORRUPT', () => {
  const full = fx.plainZip().length;
  it.each([
    ['inside the first local header', 10],
    ['inside the first entry data', 40],
    ['inside the central directory', full - 40],
    ['inside the end record', full - 10],
    ['one byte short', full - 1],
  ])('truncated %s', async (_label, keep) => {
    const e = await refusal(fx.truncated(keep));
    expect(e.code).toBe('ZIP_CORRUPT');
    expect(e.details.reason).toMatch(/eocd-missing|comment-length|truncated|cd-bounds/);
  });

  it.each([
    ['CRC of flipped data', fx.crcFlipped(), { reason: 'crc-mismatch', entry: 'b.txt' }],
    ['wrong CRC field', fx.crcWrong(), { reason: 'crc-mismatch', entry: 'a.txt', expected: '0x12345678' }],
    [
      'central signature',
      fx.centralSignatureFlipped(),
      { reason: 'bad-signature', what: 'central header', index: 1, expected: '0x02014b50', actual: '0x01014b50' },
    ],
    [
      'local signature',
      fx.localSignatureFlipped(),
      { reason: 'bad-signature', what: 'local header', entry: 'a.txt', actual: '0x03034b50' },
    ],
    ['local name differs', fx.localNameMismatch(), { reason: 'local-mismatch', field: 'name', entry: 'a.txt', actual: '../a.txt' }],
    ['lying comment length', fx.lyingCommentLength(), { reason: 'comment-length', expected: 3, actual: 5 }],
    ['end record hidden in the comment', fx.eocdInComment(), { reason: 'eocd-ambiguous' }],
    ['trailing garbage', fx.trailingGarbage(), { reason: 'comment-length', expected: 7, actual: 0 }],
    ['prefixed bytes', fx.prefixedBytes(), { reason: 'gap', entry: 'a.txt', expected: 0, actual: 22 }],
    ['overlapping entries', fx.overlappingEntries(), { reason: 'overlap', entry: 'b.txt', other: 'a.txt' }],
    ['wrong entry count', fx.wrongEntryCount(), { reason: 'entry-count', entryCount: 1 }],
    ['directory with data', fx.directoryWithData(), { reason: 'directory-with-data', entry: 'd/', expected: 0, actual: 19 }],
    ['declared size larger than actual', fx.declaredSizeTooLarge(), { reason: 'size-mismatch', entry: 'a.txt', expected: 20, actual: 14 }],
    ['truncated deflate stream', fx.deflateTruncated(), { reason: 'bad-deflate', entry: 'a.txt' }],
    ['bytes after the deflate stream', fx.deflateTrailingBytes(), { reason: 'deflate-trailing-data', entry: 'a.txt' }],
    ['invalid deflate stream', fx.badDeflate(), { reason: 'bad-deflate', entry: 'a.txt' }],
    [
      'lying header, within the limits',
      fx.lyingHeaderBomb(200_000, 100),
      { reason: 'size-mismatch', entry: 'zeros.bin', expected: 100, actual: 200_000 },
    ],
  ])('%s', async (_label, bytes, details) => {
    await expectRefused(bytes, 'ZIP_CORRUPT', details);
  });
});

describe('ZIP_LIMIT', () => {
  it('entry count, before the central directory is walked', async () => {
    await expectRefused(fx.manyEntries(11), 'ZIP_LIMIT', { limit: 'maxEntries', max: 10, actual: 11 }, { limits: { maxEntries: 10 } });
    expect((await readBundle(fx.manyEntries(10), { limits: { maxEntries: 10 } })).entries).toHaveLength(10);
  });

  it('declared entry size, total size and ratio, up front', async () => {
    await expectRefused(
      fx.honestRatioBomb(2000),
      'ZIP_LIMIT',
      { entry: 'zeros.bin', limit: 'maxEntrySize', max: 1000, declared: 2000 },
      { limits: { maxEntrySize: 1000 } },
    );
    await expectRefused(fx.manyEntries(20), 'ZIP_LIMIT', { limit: 'maxTotalSize', max: 25 }, { limits: { maxTotalSize: 25 } });
    // 2 MiB of zeros deflate to ~2 KB: far past 200:1 once past 1 MiB (default limits).
    await expectRefused(fx.honestRatioBomb(2 * 1024 * 1024), 'ZIP_LIMIT', {
      entry: 'zeros.bin',
      limit: 'maxRatio',
      max: 200,
      threshold: 1024 * 1024,
      declared: 2 * 1024 * 1024,
    });
  });

  it('a lying header is measured while inflating (ratio and running total)', async () => {
    const limits = { ratioThreshold: 64 * 1024, maxRatio: 10 };
    await expectRefused(
      fx.lyingHeaderBomb(4 * 1024 * 1024, 100),
      'ZIP_LIMIT',
      { entry: 'zeros.bin', limit: 'maxRatio', declared: 100, measured: 'while inflating' },
      { limits },
    );
    const e = await refusal(fx.lyingHeaderBomb(4 * 1024 * 1024, 100), { limits: { maxTotalSize: 50_000 } });
    expect(e).toMatchObject({ code: 'ZIP_LIMIT', details: { limit: 'maxTotalSize', max: 50_000, alreadyInflated: 0 } });
  });

  it('an entry streamed beside another counts that one at its declared size, as when it is read in turn', async () => {
    const { writeRawZip } = await import('./zip/raw-writer.js');
    const { crc32 } = await import('node:zlib');
    const first = new Uint8Array(30_000).fill(0x61);
    // "b" inflates to 4 MiB of zeros but claims 100 bytes: only the running total can stop it
    const zip = writeRawZip([
      { name: 'a.txt', data: first, crc32: crc32(first) },
      { name: 'b.bin', data: new Uint8Array(4 * 1024 * 1024), uncompressedSize: 100, crc32: 0 },
    ]);
    const refusalOf = async (beside: boolean) => {
      const opened = await readBundle(zip, { limits: { maxTotalSize: 50_000 } });
      try {
        const a = opened.stream('a.txt', () => undefined);
        const b = opened.stream('b.bin', () => undefined, beside ? 'a.txt' : undefined);
        await a;
        return await b.then(
          () => null,
          (e: unknown) => e,
        );
      } finally {
        await opened.close();
      }
    };
    const inTurn = await refusalOf(false);
    expect(inTurn).toMatchObject({ code: 'ZIP_LIMIT', details: { entry: 'b.bin', limit: 'maxTotalSize', alreadyInflated: 30_000 } });
    expect(await refusalOf(true)).toEqual(inTurn);
  });

  it('a real lying-header bomb (1 GiB of zeros in ~1 MB, claiming 100 bytes) is refused without the memory', async () => {
    const { zip, inflatedSize } = fx.realLyingHeaderBomb();
    expect(inflatedSize).toBeGreaterThan(1024 ** 3);
    expect(zip.length).toBeLessThan(2 * 1024 * 1024);
    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;
    const sample = (): void => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
    };
    const bundle = await readBundle(zip, { onProgress: sample });
    const e = await bundle.read('posture-conditions.xml').then(
      () => undefined,
      (err: unknown) => err,
    );
    sample();
    expect(e).toMatchObject({ code: 'ZIP_LIMIT', details: { entry: 'posture-conditions.xml', limit: 'maxRatio', declared: 100 } });
    expect(peakRss - before.rss).toBeLessThan(inflatedSize / 4);
    expect(peakBuffers - before.arrayBuffers).toBeLessThan(inflatedSize / 4);
    // streamed, the same bomb is measured chunk by chunk and refused the same way
    const streamed = await bundle.stream('posture-conditions.xml', sample).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(streamed).toMatchObject({ code: 'ZIP_LIMIT', details: { entry: 'posture-conditions.xml', limit: 'maxRatio' } });
    expect(peakRss - before.rss).toBeLessThan(inflatedSize / 4);
  });
});
