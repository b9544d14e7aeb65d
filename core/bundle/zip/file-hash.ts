/**
 * The bundle file's SHA-256, computed while its entries inflate and parse, never as a second full pass
 * after them (issue 11 "Faster than the standard tools"). A file of WORKER_MIN bytes or more is hashed by
 * a worker thread that reads it through the very descriptor the reader uses (the same inode, whatever
 * happens to the path meanwhile) on the other core; a smaller file, or a handle without a descriptor
 * (bytes in memory, a test's counting handle), is hashed here window by window.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CoreError } from '../../errors.js';
import type { Reader } from './bytes.js';
import { WINDOW } from './file-reader.js';
import { cancelled, corrupt } from './fail.js';

/** Below this, starting a thread costs more than hashing on this one. */
export const WORKER_MIN = 8 * 1024 * 1024;

/** A hash in progress. */
export interface FileHash {
  readonly digest: Promise<string>;
  /** Stops the hash (a refusal or close before it finished); the descriptor is no longer read once this resolves. */
  stop(): Promise<void>;
}

export interface HashOptions {
  /** a descriptor of the file the reader reads, when there is one (for the worker) */
  fd?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  what: string;
}

/** The worker: plain CommonJS run with `eval`, so it needs no file beside this module (the single executable has none). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { fd, size, window } = workerData;
try {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(window);
  let at = 0;
  let reported = 0;
  while (at < size) {
    const n = readSync(fd, buf, 0, Math.min(window, size - at), at);
    if (n === 0) break;
    hash.update(n === buf.length ? buf : buf.subarray(0, n));
    at += n;
    if (at - reported >= 8 * window || at === size) {
      reported = at;
      parentPort.postMessage({ type: 'progress', done: at });
    }
  }
  parentPort.postMessage({ type: 'done', sha256: hash.digest('hex'), bytes: at });
} catch (e) {
  parentPort.postMessage({ type: 'error', message: e && e.message ? e.message : String(e) });
}
`;

type WorkerMessage =
  { type: 'progress'; done: number } | { type: 'done'; sha256: string; bytes: number } | { type: 'error'; message: string };

function shortRead(what: string, expected: number, actual: number): CoreError {
  return corrupt(`${what} ends early (the file is truncated or changed while it was read)`, { reason: 'truncated', expected, actual });
}

/** Starts hashing the whole file behind `reader`; see the module comment for where it runs. */
export function hashFile(reader: Reader, opts: HashOptions): FileHash {
  const size = reader.length;
  if (opts.fd !== undefined && size >= WORKER_MIN) return inWorker(opts.fd, size, opts);
  let stopped = false;
  const digest = (async () => {
    const hash = createHash('sha256');
    for (let at = 0; at < size;) {
      if (opts.signal?.aborted) throw cancelled(opts.what, { file: opts.what });
      if (stopped) throw cancelled(opts.what, { file: opts.what });
      const chunk = await reader.read(at, Math.min(WINDOW, size - at));
      if (chunk.length === 0) throw shortRead(opts.what, size, at);
      hash.update(chunk);
      at += chunk.length;
      opts.onProgress?.(at, size);
    }
    return hash.digest('hex');
  })();
  digest.catch(() => undefined);
  return {
    digest,
    stop: async () => {
      stopped = true;
      await digest.catch(() => undefined);
    },
  };
}

function inWorker(fd: number, size: number, opts: HashOptions): FileHash {
  // a small heap: the worker holds one window and a hash, and a default isolate would reserve far more
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { fd, size, window: WINDOW },
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  let exited = false;
  const gone = new Promise<void>((done) => worker.once('exit', () => ((exited = true), done())));
  const digest = new Promise<string>((resolve, reject) => {
    const onAbort = (): void => {
      reject(cancelled(opts.what, { file: opts.what }));
      void worker.terminate();
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => opts.signal?.removeEventListener('abort', onAbort);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') opts.onProgress?.(m.done, size);
      else if (m.type === 'done') {
        settle();
        if (m.bytes !== size) reject(shortRead(opts.what, size, m.bytes));
        else resolve(m.sha256);
      } else {
        settle();
        reject(
          new CoreError('NOT_FOUND', `${opts.what} could not be read (${m.message}). Check the file and try again.`, { cause: m.message }),
        );
      }
    });
    worker.on('error', (e: Error) => {
      settle();
      reject(
        new CoreError(
          'INTERNAL',
          `Internal error: hashing ${opts.what} stopped (${e.message}). This is a bug in Posture Stage; please report it.`,
        ),
      );
    });
    worker.on('exit', () => {
      settle();
      reject(cancelled(opts.what, { file: opts.what }));
    });
  });
  digest.catch(() => undefined);
  return {
    digest,
    stop: async () => {
      if (!exited) await worker.terminate();
      await gone;
    },
  };
}
