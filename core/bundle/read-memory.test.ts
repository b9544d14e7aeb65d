/**
 * Issue 11 "Memory flat in bundle size": the reader never holds the archive. A counting file handle
 * proves that no read asks for more than the central directory or one window of entry data, and that
 * no more than the central directory plus the window being inflated and the one read ahead are in
 * memory at once; a 1 GB sparse bundle goes through the built CLI's `inspect` under a 200 MB heap.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { checkBundle } from './check.js';
import { readBundle } from './read.js';
import { writeBundle } from './write.js';
import { writeRawZip, type RawEntry } from './zip/raw-writer.js';
import { WINDOW, type BundleFile } from './zip/file-reader.js';

/** A file handle that counts what is read: the largest single read, the most bytes in flight at once, the total. */
class CountingFile implements BundleFile {
  largestRead = 0;
  inFlight = 0;
  mostInFlight = 0;
  total = 0;
  constructor(private readonly handle: FileHandle) {}
  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    this.largestRead = Math.max(this.largestRead, length);
    this.inFlight += length;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      const r = await this.handle.read(buffer, offset, length, position);
      this.total += r.bytesRead;
      return r;
    } finally {
      this.inFlight -= length;
    }
  }
  stat(): Promise<{ size: number }> {
    return this.handle.stat();
  }
}

/** Hex text: deflates to about half, as the sample's hashes do. */
function text(size: number, seed: number): Uint8Array {
  return Buffer.from(
    randomBytes(Math.ceil(size / 2))
      .toString('hex')
      .slice(0, size - 1) + String(seed % 10),
  );
}

const cdSizeOf = (zip: Uint8Array): number => Buffer.from(zip).readUInt32LE(zip.length - 10);

async function withFile<T>(bytes: Uint8Array, fn: (file: CountingFile, path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ps-memory-'));
  const path = join(dir, 'bundle.zip');
  await writeFile(path, bytes);
  const handle = await open(path, 'r');
  try {
    return await fn(new CountingFile(handle), path);
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the reader holds the central directory and one entry window, never the archive', () => {
  it('opens, hashes and streams a 30 MB zip through reads of at most one window', async () => {
    const entries: RawEntry[] = [
      { name: 'a.xml', data: text(12 * 1024 * 1024, 1) },
      { name: 'b.bin', data: text(9 * 1024 * 1024, 2), method: 0 },
      { name: 'c.xml', data: text(10 * 1024 * 1024, 3) },
      ...Array.from({ length: 40 }, (_, i) => ({ name: `small/${i}.txt`, data: text(500, i) })),
    ];
    const zip = writeRawZip(entries.map((e) => (e.method === 0 ? e : { ...e, compressed: new Uint8Array(deflateRawSync(e.data!)) })));
    expect(zip.length).toBeGreaterThan(15 * 1024 * 1024);
    await withFile(zip, async (file) => {
      const bundle = await readBundle(file);
      expect(bundle.sha256).toBe(createHash('sha256').update(zip).digest('hex'));
      for (const e of entries) {
        const hash = createHash('sha256');
        await bundle.stream(e.name, (chunk) => void hash.update(chunk));
        expect(hash.digest('hex')).toBe(createHash('sha256').update(e.data!).digest('hex'));
      }
      await bundle.close();
      const cd = cdSizeOf(zip);
      // no read asks for more than the central directory or one window of data
      expect(file.largestRead).toBeLessThanOrEqual(Math.max(cd, WINDOW));
      // in memory at once: the central directory, the window inflating and the one read ahead
      expect(file.mostInFlight).toBeLessThanOrEqual(cd + 2 * WINDOW);
      // each byte read about twice (hash, entries), plus the headers: nothing is read over and over
      expect(file.total).toBeLessThan(2 * zip.length + 1024 * 1024);
    });
  });

  it('checks a reference bundle the same way (hash running while the payloads stream)', async () => {
    const zip = await writeBundle({ scale: 4 });
    await withFile(zip, async (file, path) => {
      const checked = await checkBundle(file, { fileName: 'bundle.zip' });
      expect(checked.inspection.sha256).toBe(createHash('sha256').update(zip).digest('hex'));
      expect(checked.inspection).toEqual((await checkBundle(path, { fileName: 'bundle.zip' })).inspection);
      expect(file.largestRead).toBeLessThanOrEqual(Math.max(cdSizeOf(zip), WINDOW));
      // the whole-file hash and a payload may each have a window (and a read-ahead) out at once
      expect(file.mostInFlight).toBeLessThanOrEqual(cdSizeOf(zip) + 3 * WINDOW);
      expect(file.total).toBeLessThan(2 * zip.length + 1024 * 1024);
    });
  });
});

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'core', 'cli', 'bin.js');
const built = existsSync(join(repo, 'build', 'dist', 'core', 'cli', 'main.js'));

/**
 * A reference bundle plus one stored 1000 MiB entry of zeros, written sparse: the headers are real, the
 * data is a hole (no disk space, no time), so the bundle is built in well under a second.
 */
async function sparseBundle(path: string): Promise<number> {
  const zeros = 1000 * 1024 * 1024;
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  let crc = 0;
  for (let at = 0; at < zeros; at += chunk.length) crc = crc32(chunk.subarray(0, Math.min(chunk.length, zeros - at)), crc);
  const small = await writeBundle({ scale: 0.05 });
  // the small bundle's entries again (re-read through the raw writer), then the big one last
  const { readBundle: read } = await import('./read.js');
  const opened = await read(small);
  const entries: RawEntry[] = [];
  for (const e of opened.entries) {
    const data = await opened.read(e.name);
    entries.push(e.name.endsWith('.gz') ? { name: e.name, data, method: 0 } : { name: e.name, data });
  }
  entries.push({ name: 'zeros.bin', method: 0, compressed: new Uint8Array(0), crc32: crc, compressedSize: zeros, uncompressedSize: zeros });
  const zip = Buffer.from(writeRawZip(entries));
  // everything before the central directory is the local records; the big entry's (empty) data is last among them
  const cdSize = zip.readUInt32LE(zip.length - 10);
  const cdOffset = zip.readUInt32LE(zip.length - 6);
  const head = zip.subarray(0, cdOffset);
  const tail = Buffer.from(zip.subarray(cdOffset));
  tail.writeUInt32LE(cdOffset + zeros, cdSize + 16);
  const fh = await open(path, 'w');
  try {
    await fh.write(head, 0, head.length, 0);
    await fh.write(tail, 0, tail.length, head.length + zeros);
  } finally {
    await fh.close();
  }
  return head.length + zeros + tail.length;
}

describe.skipIf(!built)('a bundle whose payloads inflate on the worker thread (child process, built CLI)', () => {
  it('keeps the process alive until the last payload is checked, and inspects it as this thread does from memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-worker-'));
    try {
      // past the size from which entries inflate on the worker (zip/file-hash.ts WORKER_MIN): nothing else runs while they do
      const zip = await writeBundle({ scale: 10 });
      expect(zip.length).toBeGreaterThan(8 * 1024 * 1024);
      const path = join(dir, 'posture-offline.zip');
      await writeFile(path, zip);
      const r = spawnSync(process.execPath, [bin, 'inspect', path, '--json'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      });
      expect(r.status, r.stderr.slice(0, 2000)).toBe(0);
      const doc = JSON.parse(r.stdout) as { components: unknown; checks: unknown; sha256: string };
      const here = (await checkBundle(zip, { fileName: 'posture-offline.zip', contents: false })).inspection;
      expect(doc.sha256).toBe(here.sha256);
      expect(doc.components).toEqual(JSON.parse(JSON.stringify(here.components)));
      expect(doc.checks).toEqual(here.checks);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe.skipIf(!built)('a 1 GB bundle through `inspect` with a 200 MB heap (child process, built CLI)', () => {
  it('is inspected (every byte hashed, the big entry inflated and CRC-checked) without holding it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-sparse-'));
    try {
      const path = join(dir, 'posture-offline.zip');
      const size = await sparseBundle(path);
      expect(size).toBeGreaterThan(1_000_000_000);
      const r = spawnSync(process.execPath, ['--max-old-space-size=200', bin, 'inspect', path, '--json'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      });
      expect(r.stderr).not.toMatch(/heap out of memory|Allocation failed/);
      expect(r.status, r.stdout.slice(0, 2000)).toBe(0);
      const doc = JSON.parse(r.stdout) as { ok: boolean; size: number; layout: string; warnings: Array<{ code: string }> };
      expect(doc).toMatchObject({ ok: true, size, layout: 'reference' });
      expect(doc.warnings.map((w) => w.code)).toContain('UNLISTED_ENTRY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
