/**
 * Positioned reads of a zip through a file handle: the end records, the central directory and the local
 * headers come in small windows, entry data in WINDOW-sized reads as it streams, so memory stays at the
 * central directory plus one window whatever the size of the file (issue 11 "Memory flat in bundle size").
 */
import { fstat, read } from 'node:fs';
import { Bytes, type Reader } from './bytes.js';

/**
 * What the reader needs of an open file: a FileHandle, a descriptor another thread opened
 * (descriptorFile), or a test's wrapper that counts what is read. `fd`, when given, lets the
 * whole-file hash read the same file from a worker thread.
 */
export interface BundleFile {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
  readonly fd?: number;
}

/** A BundleFile over a descriptor opened elsewhere (the caller's thread keeps it open and closes it). */
export function descriptorFile(fd: number): BundleFile {
  return {
    fd,
    read: (buffer, offset, length, position) =>
      new Promise((resolve, reject) =>
        read(fd, buffer, offset, length, position, (e, bytesRead) => (e ? reject(e) : resolve({ bytesRead }))),
      ),
    stat: () => new Promise((resolve, reject) => fstat(fd, (e, st) => (e ? reject(e) : resolve(st)))),
  };
}

/** The most one read of entry data (or of the whole-file hash) asks for. */
export const WINDOW = 256 * 1024;
/** The least a header window reads, so the headers of many small entries come in one read. */
const BLOCK = 64 * 1024;

/** Reads [position, position + length) into a fresh buffer; fewer bytes only at end of file. */
async function readAt(file: BundleFile, position: number, length: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(Math.max(0, length));
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await file.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** A Reader over `file` (whose length is `length`), keeping only its last header window. */
export function fileReader(file: BundleFile, length: number): Reader {
  let cached: Bytes | null = null;
  return {
    length,
    async cover(offset, size) {
      const end = Math.min(offset + size, length);
      if (cached && offset >= cached.base && end <= cached.base + cached.data.byteLength) return cached;
      const start = Math.min(Math.max(0, offset), length);
      const data = await readAt(file, start, Math.min(Math.max(size, BLOCK), length - start));
      cached = new Bytes(data, start, length);
      return cached;
    },
    read: (offset, size) => readAt(file, offset, Math.max(0, Math.min(size, length - offset))),
  };
}
