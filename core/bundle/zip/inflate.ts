/**
 * Inflates one entry with node:zlib under the limits (bundle-format.md "Default limits": measured while
 * inflating, never trusting the headers alone). Output is kept only up to the declared size; past it the
 * stream is still measured (and discarded) until it ends or reaches the limit cap, so a lying-header bomb
 * costs at most `cap` bytes of work and `declared` bytes of memory, and is reported as what it is:
 * ZIP_LIMIT when it passes a limit, ZIP_CORRUPT (size mismatch) when it merely lies. CRC-32 and the end of
 * the deflate stream (exactly at the end of the compressed data) are verified.
 */
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
  compressed: Uint8Array;
  declaredSize: number;
  crc32: number;
  cap: Cap;
  signal?: AbortSignal | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

const CHUNK = 1024 * 1024;

function capExceeded(job: InflateJob, measured: number): CoreError {
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

function verify(job: InflateJob, actual: number, crc: number): void {
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

/** Returns the entry's bytes, or throws ZIP_CORRUPT / ZIP_LIMIT / CANCELLED. */
export async function inflateEntry(job: InflateJob): Promise<Uint8Array> {
  if (job.method === METHOD_STORED) {
    if (job.signal?.aborted) throw cancelled(JSON.stringify(job.name), { entry: job.name });
    if (job.compressed.length > job.cap.bytes) throw capExceeded(job, job.compressed.length);
    job.onProgress?.(job.compressed.length, job.declaredSize);
    // A copy, so callers never alias (or pin) the zip's own bytes.
    const out = Uint8Array.prototype.slice.call(job.compressed);
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
 * with its size. Nothing is kept here, so memory stays at one chunk whatever the entry inflates to.
 * A sink that throws (or rejects) ends the inflation with its error.
 */
export function inflateEntryTo(job: InflateJob, sink: ChunkSink): Promise<number> {
  if (job.signal?.aborted) return Promise.reject(cancelled(JSON.stringify(job.name), { entry: job.name }));
  if (job.method === METHOD_STORED) return storedTo(job, sink);
  if (job.compressed.length <= SMALL) return smallTo(job, sink);
  return new Promise<number>((resolve, reject) => {
    const inflater = createInflateRaw({ chunkSize: CHUNK });
    let total = 0;
    let crc = 0;
    let settled = false;
    const finish = (error: unknown, value?: number): void => {
      if (settled) return;
      settled = true;
      job.signal?.removeEventListener('abort', onAbort);
      inflater.removeAllListeners('data');
      if (error !== undefined) {
        inflater.destroy();
        reject(error);
      } else resolve(value as number);
    };
    const onAbort = (): void => finish(cancelled(JSON.stringify(job.name), { entry: job.name }));
    job.signal?.addEventListener('abort', onAbort, { once: true });
    inflater.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > job.cap.bytes) return finish(capExceeded(job, total));
      crc = crc32(chunk, crc);
      job.onProgress?.(Math.min(total, job.declaredSize), job.declaredSize);
      let pending: void | Promise<void>;
      try {
        pending = sink(chunk);
      } catch (e) {
        return finish(e);
      }
      if (pending) {
        inflater.pause();
        pending.then(
          () => {
            if (!settled) inflater.resume();
          },
          (e: unknown) => finish(e),
        );
      }
    });
    inflater.on('error', (e: Error) =>
      finish(
        corrupt(`the deflate stream of ${JSON.stringify(job.name)} is invalid (${e.message})`, {
          reason: 'bad-deflate',
          entry: job.name,
          zlib: e.message,
        }),
      ),
    );
    inflater.on('end', () => {
      if (inflater.bytesWritten !== job.compressed.length) {
        return finish(
          corrupt(`the deflate stream of ${JSON.stringify(job.name)} ends before its compressed data does (trailing bytes)`, {
            reason: 'deflate-trailing-data',
            entry: job.name,
            expected: job.compressed.length,
            actual: inflater.bytesWritten,
          }),
        );
      }
      try {
        verify(job, total, crc);
        finish(undefined, total);
      } catch (e) {
        finish(e);
      }
    });
    inflater.end(Buffer.from(job.compressed.buffer, job.compressed.byteOffset, job.compressed.byteLength));
  });
}

/** Entries this small inflate in one synchronous call: a trip through the thread pool per entry would dominate a zip of many tiny entries. */
const SMALL = 64 * 1024;

/** What inflateRawSync returns with `info: true` (the output and the engine, which counted the input it used). */
function isInfo(r: unknown): r is { buffer: Buffer; engine: { bytesWritten: number } } {
  if (typeof r !== 'object' || r === null || !('buffer' in r) || !Buffer.isBuffer(r.buffer) || !('engine' in r)) return false;
  const engine = r.engine;
  return typeof engine === 'object' && engine !== null && 'bytesWritten' in engine && typeof engine.bytesWritten === 'number';
}

async function smallTo(job: InflateJob, sink: ChunkSink): Promise<number> {
  const input = Buffer.from(job.compressed.buffer, job.compressed.byteOffset, job.compressed.byteLength);
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
    const message = (e as Error).message;
    throw corrupt(`the deflate stream of ${JSON.stringify(job.name)} is invalid (${message})`, {
      reason: 'bad-deflate',
      entry: job.name,
      zlib: message,
    });
  }
  if (out.length > job.cap.bytes) throw capExceeded(job, out.length);
  if (consumed !== input.length)
    throw corrupt(`the deflate stream of ${JSON.stringify(job.name)} ends before its compressed data does (trailing bytes)`, {
      reason: 'deflate-trailing-data',
      entry: job.name,
      expected: input.length,
      actual: consumed,
    });
  job.onProgress?.(Math.min(out.length, job.declaredSize), job.declaredSize);
  await sink(out);
  verify(job, out.length, crc32(out));
  return out.length;
}

/** A stored entry, given to the sink in CHUNK slices of the zip's own bytes (sinks copy what they keep). */
async function storedTo(job: InflateJob, sink: ChunkSink): Promise<number> {
  const data = job.compressed;
  if (data.length > job.cap.bytes) throw capExceeded(job, data.length);
  let crc = 0;
  for (let at = 0; at < data.length; at += CHUNK) {
    if (job.signal?.aborted) throw cancelled(JSON.stringify(job.name), { entry: job.name });
    const chunk = data.subarray(at, Math.min(at + CHUNK, data.length));
    crc = crc32(chunk, crc);
    job.onProgress?.(at + chunk.length, job.declaredSize);
    await sink(chunk);
  }
  verify(job, data.length, crc);
  return data.length;
}
