/**
 * Inflates one entry with node:zlib under the limits (bundle-format.md "Default limits": measured while
 * inflating, never trusting the headers alone). Output is kept only up to the declared size; past it the
 * stream is still measured (and discarded) until it ends or reaches the limit cap, so a lying-header bomb
 * costs at most `cap` bytes of work and `declared` bytes of memory, and is reported as what it is:
 * ZIP_LIMIT when it passes a limit, ZIP_CORRUPT (size mismatch) when it merely lies. CRC-32 and the end of
 * the deflate stream (exactly at the end of the compressed data) are verified.
 */
import { createInflateRaw, crc32 } from 'node:zlib';
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

function verify(job: InflateJob, out: Uint8Array, actual: number): Uint8Array {
  if (actual !== job.declaredSize) {
    throw corrupt(`${JSON.stringify(job.name)} inflates to ${actual} bytes but its header declares ${job.declaredSize}`, {
      reason: 'size-mismatch',
      entry: job.name,
      expected: job.declaredSize,
      actual,
    });
  }
  const crc = crc32(out) >>> 0;
  if (crc !== job.crc32 >>> 0) {
    throw corrupt(`CRC-32 mismatch for ${JSON.stringify(job.name)}`, {
      reason: 'crc-mismatch',
      entry: job.name,
      expected: hex32(job.crc32),
      actual: hex32(crc),
    });
  }
  return out;
}

/** Returns the entry's bytes, or throws ZIP_CORRUPT / ZIP_LIMIT / CANCELLED. */
export function inflateEntry(job: InflateJob): Promise<Uint8Array> {
  if (job.signal?.aborted) return Promise.reject(cancelled(JSON.stringify(job.name), { entry: job.name }));
  if (job.method === METHOD_STORED) {
    if (job.compressed.length > job.cap.bytes) return Promise.reject(capExceeded(job, job.compressed.length));
    try {
      job.onProgress?.(job.compressed.length, job.declaredSize);
      // A copy, so callers never alias (or pin) the zip's own bytes.
      return Promise.resolve(verify(job, Uint8Array.prototype.slice.call(job.compressed), job.compressed.length));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    const inflater = createInflateRaw({ chunkSize: CHUNK });
    let out: Buffer | undefined;
    let total = 0;
    let settled = false;
    const finish = (error: unknown, value?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      job.signal?.removeEventListener('abort', onAbort);
      inflater.removeAllListeners('data');
      if (error !== undefined) {
        inflater.destroy();
        reject(error);
      } else resolve(value!);
    };
    const onAbort = (): void => finish(cancelled(JSON.stringify(job.name), { entry: job.name }));
    job.signal?.addEventListener('abort', onAbort, { once: true });
    inflater.on('data', (chunk: Buffer) => {
      const before = total;
      total += chunk.length;
      if (total > job.cap.bytes) return finish(capExceeded(job, total));
      if (before < job.declaredSize) {
        out ??= Buffer.allocUnsafe(job.declaredSize);
        chunk.copy(out, before, 0, Math.min(chunk.length, job.declaredSize - before));
      }
      job.onProgress?.(Math.min(total, job.declaredSize), job.declaredSize);
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
        finish(undefined, verify(job, out ?? new Uint8Array(0), total));
      } catch (e) {
        finish(e);
      }
    });
    inflater.end(Buffer.from(job.compressed.buffer, job.compressed.byteOffset, job.compressed.byteLength));
  });
}
