/**
 * Inflates one entry with node:zlib under the limits (bundle-format.md "Default limits": measured while
 * inflating, never trusting the headers alone). Output is kept only up to the declared size; past it the
 * stream is still measured (and discarded) until it ends or reaches the limit cap, so a lying-header bomb
 * costs at most `cap` bytes of work and `declared` bytes of memory, and is reported as what it is:
 * ZIP_LIMIT when it passes a limit, ZIP_CORRUPT (size mismatch) when it merely lies. CRC-32 and the end of
 * the deflate stream (exactly at the end of the compressed data) are verified. The compressed data is
 * read WINDOW bytes at a time (the next window is read while the current one inflates), so memory stays
 * at a window or two of input and one chunk of output whatever the entry's size.
 */
import { createHash } from 'node:crypto';
import { createInflateRaw, crc32, inflateRawSync } from 'node:zlib';
import { CoreError } from '../../errors.js';
import { hex32 } from './bytes.js';
import { cancelled, corrupt, overLimit } from './fail.js';
import { METHOD_STORED } from './central.js';

/** The most output an entry may produce, and which limit sets it. */
export interface Cap {
  bytes: number;
  limit: 'maxEntrySize' | 'maxTotalSize' | 'maxRatio';
  details: Record<string, unknown>;
}

export interface InflateJob {
  name: string;
  method: number;
  /** the length of the entry's compressed data */
  compressedSize: number;
  /** reads [at, at + length) of the entry's compressed data (fewer bytes only if the file shrank) */
  readCompressed: (at: number, length: number) => Promise<Uint8Array>;
  declaredSize: number;
  crc32: number;
  cap: Cap;
  signal?: AbortSignal | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Output per round trip to zlib on the thread pool (fewer, larger rounds cost the main thread less). */
export const ZLIB_CHUNK = 256 * 1024;
/**
 * Output per chunk handed to a sink. 64 KiB: the text a parser decodes from a chunk stays under V8's
 * large-object size, so it dies young in the nursery instead of piling up until a full collection (256 KiB
 * chunks cost ~20 MB more peak RSS on the 100 MB sample).
 */
const CHUNK = 64 * 1024;
/** Inflated bytes that may wait for the sink before the inflater pauses. */
export const AHEAD = 4 * ZLIB_CHUNK;
/** Compressed bytes per read (zip/file-reader.ts WINDOW). */
const WINDOW = 256 * 1024;

export function capExceeded(job: InflateJob, measured: number): CoreError {
  const what =
    job.cap.limit === 'maxRatio' ? 'compression ratio' : job.cap.limit === 'maxTotalSize' ? 'total uncompressed size' : 'entry size';
  return overLimit(`${JSON.stringify(job.name)} inflates past the ${what} limit (its header declared ${job.declaredSize} bytes)`, {
    entry: job.name,
    limit: job.cap.limit,
    ...job.cap.details,
    declared: job.declaredSize,
    actual: `> ${measured - 1}`,
    measured: 'while inflating',
  });
}

/** Where an entry's output goes, chunk by chunk; a returned promise pauses inflation until it settles. */
export type ChunkSink = (chunk: Uint8Array) => void | Promise<void>;

/** Hands `chunk` to `sink` CHUNK bytes at a time while `live()` holds, waiting whenever the sink does. */
export async function inPieces(chunk: Uint8Array, sink: ChunkSink, live: () => boolean): Promise<void> {
  for (let at = 0; at < chunk.length && live(); at += CHUNK) {
    const pending = sink(chunk.length <= CHUNK ? chunk : chunk.subarray(at, at + CHUNK));
    if (pending) await pending;
  }
}

/** What a streamed entry turned out to be, once verified: its length and the SHA-256 of its bytes. */
export interface Inflated {
  size: number;
  sha256: string;
}

/** ZIP_CORRUPT for a deflate stream zlib refused. */
export function deflateInvalid(job: InflateJob, message: string): CoreError {
  return corrupt(`the deflate stream of ${JSON.stringify(job.name)} is invalid (${message})`, {
    reason: 'bad-deflate',
    entry: job.name,
    zlib: message,
  });
}

/** ZIP_CORRUPT when the deflate stream ended before the entry's compressed data did (`consumed` of it used). */
export function trailing(job: InflateJob, consumed: number): void {
  if (consumed !== job.compressedSize)
    throw corrupt(`the deflate stream of ${JSON.stringify(job.name)} ends before its compressed data does (trailing bytes)`, {
      reason: 'deflate-trailing-data',
      entry: job.name,
      expected: job.compressedSize,
      actual: consumed,
    });
}

export function verify(job: InflateJob, actual: number, crc: number): void {
  if (actual !== job.declaredSize) {
    throw corrupt(`${JSON.stringify(job.name)} inflates to ${actual} bytes but its header declares ${job.declaredSize}`, {
      reason: 'size-mismatch',
      entry: job.name,
      expected: job.declaredSize,
      actual,
    });
  }
  if (crc >>> 0 !== job.crc32 >>> 0) {
    throw corrupt(`CRC-32 mismatch for ${JSON.stringify(job.name)}`, {
      reason: 'crc-mismatch',
      entry: job.name,
      expected: hex32(job.crc32),
      actual: hex32(crc >>> 0),
    });
  }
}

/** A read of compressed data that came back short: the file changed under us. */
export function shrank(job: InflateJob, at: number): CoreError {
  return corrupt(`the data of ${JSON.stringify(job.name)} ends early (the file is truncated or changed while it was read)`, {
    reason: 'truncated',
    entry: job.name,
    expected: job.compressedSize,
    actual: at,
  });
}

async function readAll(job: InflateJob): Promise<Uint8Array> {
  const data = await job.readCompressed(0, job.compressedSize);
  if (data.length !== job.compressedSize) throw shrank(job, data.length);
  return data;
}

/** Returns the entry's bytes (the whole entry in memory: for small entries and tests), or throws ZIP_CORRUPT / ZIP_LIMIT / CANCELLED. */
export async function inflateEntry(job: InflateJob): Promise<Uint8Array> {
  if (job.method === METHOD_STORED) {
    if (job.signal?.aborted) throw cancelled(JSON.stringify(job.name), { entry: job.name });
    if (job.compressedSize > job.cap.bytes) throw capExceeded(job, job.compressedSize);
    // A copy, so callers never alias (or pin) the zip's own bytes.
    const out = Uint8Array.prototype.slice.call(await readAll(job));
    job.onProgress?.(out.length, job.declaredSize);
    verify(job, out.length, crc32(out));
    return out;
  }
  let out: Buffer | undefined;
  let at = 0;
  await inflateEntryTo(job, (chunk) => {
    // output is kept only up to the declared size; past it the stream is only measured (see the header)
    if (at < job.declaredSize) {
      out ??= Buffer.allocUnsafe(job.declaredSize);
      out.set(chunk.subarray(0, Math.min(chunk.length, job.declaredSize - at)), at);
    }
    at += chunk.length;
  });
  return out ?? new Uint8Array(0);
}

/**
 * Streams the entry's output to `sink` under the same limits and checks as inflateEntry (cap while
 * inflating, end of the deflate stream, size, CRC-32, all verified once the stream ends) and resolves
 * with its size and SHA-256. Nothing is kept here, so memory stays at one chunk whatever the entry inflates to.
 * A sink that throws (or rejects) ends the inflation with its error.
 */
export function inflateEntryTo(job: InflateJob, sink: ChunkSink): Promise<Inflated> {
  if (job.signal?.aborted) return Promise.reject(cancelled(JSON.stringify(job.name), { entry: job.name }));
  if (job.method === METHOD_STORED) return storedTo(job, sink);
  if (job.compressedSize <= SMALL) return smallTo(job, sink);
  return new Promise<Inflated>((resolve, reject) => {
    const inflater = createInflateRaw({ chunkSize: ZLIB_CHUNK });
    const hash = createHash('sha256');
    let total = 0;
    let crc = 0;
    let settled = false;
    const finish = (error: unknown, value?: Inflated): void => {
      if (settled) return;
      settled = true;
      job.signal?.removeEventListener('abort', onAbort);
      inflater.removeAllListeners('data');
      if (error !== undefined) {
        inflater.destroy();
        reject(error);
      } else resolve(value as Inflated);
    };
    const onAbort = (): void => finish(cancelled(JSON.stringify(job.name), { entry: job.name }));
    job.signal?.addEventListener('abort', onAbort, { once: true });
    // Output is queued and handed to the sink on the next turn of the event loop, so zlib (on the thread
    // pool) inflates the next chunk while the sink parses this one; AHEAD bounds what waits in the queue.
    const queue: Buffer[] = [];
    let queued = 0;
    let draining = false;
    let scheduled = false;
    let ended: unknown = null;
    const complete = (): void => {
      if (ended !== true) return finish(ended);
      try {
        trailing(job, inflater.bytesWritten);
        verify(job, total, crc);
        finish(undefined, { size: total, sha256: hash.digest('hex') });
      } catch (e) {
        finish(e);
      }
    };
    const drain = async (): Promise<void> => {
      scheduled = false;
      draining = true;
      try {
        while (queue.length > 0 && !settled) {
          const chunk = queue.shift() as Buffer;
          queued -= chunk.length;
          await inPieces(chunk, sink, () => !settled);
        }
      } catch (e) {
        return finish(e);
      } finally {
        draining = false;
      }
      if (settled) return;
      if (ended !== null) return complete();
      if (inflater.isPaused()) inflater.resume();
    };
    const schedule = (): void => {
      if (scheduled || draining) return;
      scheduled = true;
      setImmediate(() => void drain());
    };
    inflater.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > job.cap.bytes) return finish(capExceeded(job, total));
      crc = crc32(chunk, crc);
      hash.update(chunk);
      job.onProgress?.(Math.min(total, job.declaredSize), job.declaredSize);
      queue.push(chunk);
      queued += chunk.length;
      if (queued >= AHEAD) inflater.pause();
      schedule();
    });
    // a stream error or the end waits for the chunks before it to reach the sink, as when they were handed over at once
    const endWith = (outcome: unknown): void => {
      if (ended !== null) return;
      ended = outcome;
      if (!draining && queue.length === 0) complete();
      else schedule();
    };
    inflater.on('error', (e: Error) => endWith(deflateInvalid(job, e.message)));
    inflater.on('end', () => endWith(true));
    // feeds the inflater window by window, reading the next window while this one inflates
    const drained = (): Promise<void> =>
      new Promise((done) => {
        const on = (): void => {
          inflater.off('drain', on);
          inflater.off('close', on);
          done();
        };
        inflater.on('drain', on);
        inflater.on('close', on);
      });
    const feed = async (): Promise<void> => {
      const size = job.compressedSize;
      let next: Promise<Uint8Array> | null = job.readCompressed(0, Math.min(WINDOW, size));
      for (let at = 0; next !== null;) {
        const chunk = await next;
        if (settled) return;
        if (chunk.length === 0) throw shrank(job, at);
        at += chunk.length;
        next = at < size ? job.readCompressed(at, Math.min(WINDOW, size - at)) : null;
        next?.catch(() => undefined);
        const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (!inflater.write(buf)) await drained();
        if (settled) return;
      }
      inflater.end();
    };
    feed().catch((e: unknown) => finish(e));
  });
}

/** Entries this small inflate in one synchronous call: a trip through the thread pool per entry would dominate a zip of many tiny entries. */
export const SMALL = 64 * 1024;

/** What inflateRawSync returns with `info: true` (the output and the engine, which counted the input it used). */
function isInfo(r: unknown): r is { buffer: Buffer; engine: { bytesWritten: number } } {
  if (typeof r !== 'object' || r === null || !('buffer' in r) || !Buffer.isBuffer(r.buffer) || !('engine' in r)) return false;
  const engine = r.engine;
  return typeof engine === 'object' && engine !== null && 'bytesWritten' in engine && typeof engine.bytesWritten === 'number';
}

async function smallTo(job: InflateJob, sink: ChunkSink): Promise<Inflated> {
  const data = await readAll(job);
  const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let out: Buffer;
  let consumed: number;
  try {
    // at most cap + 1 bytes: one more than allowed is enough to know the cap is passed
    const r: unknown = inflateRawSync(input, { info: true, maxOutputLength: job.cap.bytes + 1 });
    if (!isInfo(r)) throw new Error('zlib returned no stream information');
    out = r.buffer;
    consumed = r.engine.bytesWritten;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw capExceeded(job, job.cap.bytes + 1);
    throw deflateInvalid(job, (e as Error).message);
  }
  if (out.length > job.cap.bytes) throw capExceeded(job, out.length);
  trailing(job, consumed);
  job.onProgress?.(Math.min(out.length, job.declaredSize), job.declaredSize);
  await sink(out);
  verify(job, out.length, crc32(out));
  return { size: out.length, sha256: createHash('sha256').update(out).digest('hex') };
}

/**
 * A stored entry, read WINDOW bytes at a time and given to the sink in CHUNK pieces: fresh buffers, or slices
 * of a zip held in memory (never written to).
 */
async function storedTo(job: InflateJob, sink: ChunkSink): Promise<Inflated> {
  const size = job.compressedSize;
  if (size > job.cap.bytes) throw capExceeded(job, size);
  const hash = createHash('sha256');
  let crc = 0;
  let next: Promise<Uint8Array> | null = size > 0 ? job.readCompressed(0, Math.min(WINDOW, size)) : null;
  for (let at = 0; next !== null;) {
    const chunk = await next;
    if (job.signal?.aborted) throw cancelled(JSON.stringify(job.name), { entry: job.name });
    if (chunk.length === 0) throw shrank(job, at);
    at += chunk.length;
    // the next window is read while the sink takes this one
    next = at < size ? job.readCompressed(at, Math.min(WINDOW, size - at)) : null;
    next?.catch(() => undefined);
    crc = crc32(chunk, crc);
    hash.update(chunk);
    job.onProgress?.(at, job.declaredSize);
    await inPieces(chunk, sink, () => true);
  }
  verify(job, size, crc);
  return { size, sha256: hash.digest('hex') };
}
