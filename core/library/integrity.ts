/**
 * What was checked is what is used (issue 8 §4): a library copy is hashed again, in full, before every
 * use — inspect, export, push, whatever the app opens — because a copy that changed on disk after it was
 * checked (a flipped bit, a tool that "repaired" it) must never be shown as verified or sent on. A
 * mismatch is LIBRARY_DAMAGED (exit 2, a refusal), never mistaken for a network fault. Streamed, so any
 * size costs constant memory; progress in bytes for the bars of big files.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { CoreError } from '../errors.js';
import type { LibraryEntry } from './entry.js';

/** Bytes hashed so far of `total` (the entry's recorded size). */
export type HashProgress = (done: number, total: number) => void;

const CHUNK = 1024 * 1024;

/** The refusal for a copy whose SHA-256 is not the one it is stored under. */
export function libraryDamaged(entry: Pick<LibraryEntry, 'name' | 'sha256' | 'path'>, actual: string, size: number): CoreError {
  return new CoreError(
    'LIBRARY_DAMAGED',
    `The library copy of ${entry.name} is damaged (expected ${entry.sha256}, got ${actual}); import it again. Its bytes changed on disk after it was checked, so it is not used: fetch, add or import the bundle again (that replaces the copy), or drop it with \`posture-stage library remove ${entry.sha256.slice(0, 12)}\`.`,
    { sha256: entry.sha256, actual, size, file: entry.path },
  );
}

/** The stored copy itself is gone (not some other file, such as the destination's folder). */
const isMissing = (e: unknown, entry: LibraryEntry) =>
  (e as NodeJS.ErrnoException).code === 'ENOENT' && (e as NodeJS.ErrnoException).path === entry.path;

/** A pass-through that hashes and counts what flows by. */
function hasher(total: number, onProgress?: HashProgress): Transform & { digest(): { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      onProgress?.(size, total);
      cb(null, chunk);
    },
  });
  return Object.assign(t, { digest: () => ({ sha256: hash.digest('hex'), size }) });
}

/** Hashes the stored copy again; LIBRARY_DAMAGED unless it still has the SHA-256 it is stored under. */
export async function verifyCopy(entry: LibraryEntry, onProgress?: HashProgress): Promise<void> {
  const h = hasher(entry.size, onProgress);
  try {
    await pipeline(createReadStream(entry.path, { highWaterMark: CHUNK }), h, async (source: AsyncIterable<Buffer>) => {
      for await (const _ of source);
    });
  } catch (e) {
    if (isMissing(e, entry)) throw libraryDamaged(entry, 'missing', 0);
    throw e;
  }
  const { sha256, size } = h.digest();
  if (sha256 !== entry.sha256) throw libraryDamaged(entry, sha256, size);
}

/**
 * Copies the stored bundle to `dest`, hashing the very bytes it writes (one pass, not a hash and then a
 * copy): `dest` appears only when they are the ones the library stored; otherwise LIBRARY_DAMAGED and no file.
 */
export async function copyVerified(entry: LibraryEntry, dest: string, onProgress?: HashProgress): Promise<void> {
  const tmp = `${dest}.tmp`;
  const h = hasher(entry.size, onProgress);
  try {
    await pipeline(createReadStream(entry.path, { highWaterMark: CHUNK }), h, createWriteStream(tmp));
    const { sha256, size } = h.digest();
    if (sha256 !== entry.sha256) throw libraryDamaged(entry, sha256, size);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    if (isMissing(e, entry)) throw libraryDamaged(entry, 'missing', 0);
    throw e;
  }
}
