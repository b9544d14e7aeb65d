/**
 * Entries inflated on another thread (issue 11 "Faster than the standard tools"): a worker reads an
 * entry's compressed data through the bundle's own descriptor, inflates it, measures its CRC-32, its
 * SHA-256 and its length, and hands the output over chunk by chunk (transferred, not copied), so this
 * thread does nothing but the checks and the parsing. Two entries may inflate at once (the two lanes).
 *
 * The worker only measures; every verdict is taken here, by the very rules inflateEntryTo applies on
 * this thread (the cap while inflating, a bad deflate stream, trailing bytes, size, CRC-32, a file that
 * shrank), and in the same order: what reached the sink before a refusal reaches it first. The worker
 * stops an entry at cap + 1 bytes, and keeps at most AHEAD bytes waiting for this thread.
 */
import { Worker } from 'node:worker_threads';
import { CoreError } from '../../errors.js';
import { cancelled } from './fail.js';
import { METHOD_STORED } from './central.js';
import {
  AHEAD,
  capExceeded,
  deflateInvalid,
  inflateEntryTo,
  inPieces,
  shrank,
  SMALL,
  trailing,
  verify,
  ZLIB_CHUNK,
  type ChunkSink,
  type InflateJob,
  type Inflated,
} from './inflate.js';
import { WINDOW } from './file-reader.js';

/** The worker: plain CommonJS run with `eval`, so it needs no file beside this module (the single executable has none). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createInflateRaw, crc32 } = require('node:zlib');
const { createHash } = require('node:crypto');
const { fd, window, chunkSize, ahead } = workerData;
const jobs = new Map();

function run({ id, offset, size, cap }) {
  const inflater = createInflateRaw({ chunkSize });
  const hash = createHash('sha256');
  const job = { inflater, waiting: 0, done: false };
  jobs.set(id, job);
  let total = 0;
  let crc = 0;
  let at = 0;
  const end = (message) => {
    if (job.done) return;
    job.done = true;
    jobs.delete(id);
    inflater.removeAllListeners('data');
    parentPort.postMessage({ id, ...message });
  };
  // zlib writes its output into buffers of chunkSize bytes, one after the other, and a buffer it has moved
  // on from is never written again: its bytes go over whole (transferred, so nothing is copied and no garbage
  // is left on this thread), as soon as it is full, or at the end
  let held = null;
  const send = () => {
    if (held === null) return;
    const { buffer, start, end: stop } = held;
    held = null;
    const own = buffer.byteLength === chunkSize;
    const chunk = own ? new Uint8Array(buffer, start, stop - start) : new Uint8Array(buffer.slice(start, stop));
    parentPort.postMessage({ id, type: 'data', chunk }, [chunk.buffer]);
  };
  inflater.on('data', (chunk) => {
    total += chunk.length;
    if (total > cap) {
      end({ type: 'over', total });
      inflater.destroy();
      return;
    }
    crc = crc32(chunk, crc);
    hash.update(chunk);
    job.waiting += chunk.length;
    if (held !== null && (held.buffer !== chunk.buffer || held.end !== chunk.byteOffset)) send();
    if (held === null) held = { buffer: chunk.buffer, start: chunk.byteOffset, end: chunk.byteOffset };
    held.end += chunk.length;
    if (held.end === held.buffer.byteLength) send();
    if (job.waiting >= ahead) inflater.pause();
  });
  inflater.on('error', (e) => {
    send();
    end({ type: 'end', error: e && e.message ? e.message : String(e), total, crc });
  });
  inflater.on('end', () => {
    send();
    end({ type: 'end', total, crc, sha256: hash.digest('hex'), consumed: inflater.bytesWritten });
  });
  let buf = Buffer.alloc(0);
  const feed = () => {
    try {
      while (!job.done && at < size) {
        // one input buffer, filled again only once zlib has taken all of it (the drain)
        buf = buf.length === Math.min(window, size - at) ? buf : Buffer.allocUnsafe(Math.min(window, size - at));
        let n = 0;
        while (n < buf.length) {
          const got = readSync(fd, buf, n, buf.length - n, offset + at + n);
          if (got === 0) break;
          n += got;
        }
        if (n === 0) return end({ type: 'short', at });
        at += n;
        if (!inflater.write(n === buf.length ? buf : buf.subarray(0, n))) return void inflater.once('drain', feed);
        buf = Buffer.alloc(0);
      }
      if (!job.done) inflater.end();
    } catch (e) {
      end({ type: 'failed', message: e && e.message ? e.message : String(e) });
      inflater.destroy();
    }
  };
  feed();
}

parentPort.on('message', (m) => {
  if (m.type === 'start') return run(m);
  const job = jobs.get(m.id);
  if (job === undefined) return;
  if (m.type === 'ack') {
    job.waiting -= m.bytes;
    if (job.waiting < ahead && job.inflater.isPaused()) job.inflater.resume();
  } else if (m.type === 'stop') {
    job.done = true;
    jobs.delete(m.id);
    job.inflater.destroy();
  }
});
`;

/** What the worker posts about an entry. */
type Reply =
  | { id: number; type: 'data'; chunk: Uint8Array }
  | { id: number; type: 'over'; total: number }
  | { id: number; type: 'short'; at: number }
  | { id: number; type: 'failed'; message: string }
  | { id: number; type: 'end'; total: number; crc: number; error?: string; sha256?: string; consumed?: number };

/** One entry on its way through the worker: its replies are taken in order, each after the sink took the one before. */
interface Running {
  job: InflateJob;
  sink: ChunkSink;
  replies: Reply[];
  draining: boolean;
  total: number;
  finish(error: unknown, value?: Inflated): void;
}

/** A worker that inflates a bundle's entries read through its descriptor; stop() it before the descriptor is closed. */
export class InflateWorker {
  private readonly worker: Worker;
  private readonly running = new Map<number, Running>();
  private nextId = 1;
  private gone = false;
  private readonly exited: Promise<void>;

  constructor(fd: number) {
    // a small heap: the worker holds a window, a few chunks and a hash per entry
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { fd, window: WINDOW, chunkSize: ZLIB_CHUNK, ahead: AHEAD },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    this.exited = new Promise((done) => this.worker.once('exit', () => done()));
    this.worker.on('message', (m: Reply) => {
      const r = this.running.get(m.id);
      if (r === undefined) return;
      r.replies.push(m);
      if (!r.draining) void this.drain(m.id, r);
    });
    const lost = (why: string): void => {
      this.gone = true;
      for (const r of [...this.running.values()])
        r.finish(
          new CoreError(
            'INTERNAL',
            `Internal error: inflating ${JSON.stringify(r.job.name)} stopped (${why}). This is a bug in Posture Stage; please report it.`,
            { entry: r.job.name },
          ),
        );
    };
    this.worker.on('error', (e: Error) => lost(e.message));
    this.worker.on('exit', () => lost('the inflating thread ended'));
    // the thread keeps the process alive only while an entry is on its way (inflate refs it, the last finish
    // unrefs it), so a bundle left open does not; after the listeners, since adding one refs the port again
    this.worker.unref();
  }

  /**
   * Inflates the entry whose compressed data starts at `offset` in the file into `sink`: inflateEntryTo's
   * contract, on the worker (a stored or small entry, which costs this thread next to nothing, stays here).
   */
  inflate(job: InflateJob, offset: number, sink: ChunkSink): Promise<Inflated> {
    if (job.method === METHOD_STORED || job.compressedSize <= SMALL) return inflateEntryTo(job, sink);
    if (job.signal?.aborted) return Promise.reject(cancelled(JSON.stringify(job.name), { entry: job.name }));
    if (this.gone)
      return Promise.reject(new CoreError('INTERNAL', `Internal error: ${JSON.stringify(job.name)} was read after its bundle was closed.`));
    const id = this.nextId++;
    return new Promise<Inflated>((resolve, reject) => {
      const onAbort = (): void => r.finish(cancelled(JSON.stringify(job.name), { entry: job.name }));
      const r: Running = {
        job,
        sink,
        replies: [],
        draining: false,
        total: 0,
        finish: (error, value) => {
          if (!this.running.delete(id)) return;
          if (this.running.size === 0) this.worker.unref();
          job.signal?.removeEventListener('abort', onAbort);
          if (error === undefined) return resolve(value as Inflated);
          if (!this.gone) this.worker.postMessage({ type: 'stop', id });
          reject(error);
        },
      };
      this.running.set(id, r);
      this.worker.ref();
      job.signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage({ type: 'start', id, offset, size: job.compressedSize, cap: job.cap.bytes });
    });
  }

  /** Hands the entry's replies to its sink in order, pausing while the sink does. */
  private async drain(id: number, r: Running): Promise<void> {
    r.draining = true;
    try {
      while (r.replies.length > 0 && this.running.has(id)) {
        const m = r.replies.shift() as Reply;
        if (m.type === 'data') {
          const chunk = m.chunk;
          await inPieces(chunk, r.sink, () => this.running.has(id));
          r.total += chunk.length;
          r.job.onProgress?.(Math.min(r.total, r.job.declaredSize), r.job.declaredSize);
          if (this.running.has(id)) this.worker.postMessage({ type: 'ack', id, bytes: chunk.length });
        } else r.finish(...this.outcome(r.job, m));
      }
    } catch (e) {
      r.finish(e);
    } finally {
      r.draining = false;
    }
  }

  /** The verdict on an entry from the worker's last word about it, by inflateEntryTo's rules. */
  private outcome(job: InflateJob, m: Exclude<Reply, { type: 'data' }>): [unknown, Inflated?] {
    if (m.type === 'over') return [capExceeded(job, m.total)];
    if (m.type === 'short') return [shrank(job, m.at)];
    if (m.type === 'failed') return [new Error(m.message)];
    if (m.error !== undefined) return [deflateInvalid(job, m.error)];
    try {
      trailing(job, m.consumed ?? 0);
      verify(job, m.total, m.crc);
    } catch (e) {
      return [e];
    }
    return [undefined, { size: m.total, sha256: m.sha256 ?? '' }];
  }

  /** Ends the worker (every entry still running is refused); once this resolves, the descriptor is no longer read. */
  async stop(): Promise<void> {
    if (!this.gone) {
      this.gone = true;
      await this.worker.terminate();
    }
    await this.exited;
  }
}
