/**
 * Long operations and their progress. A job (fetch, push) runs in the background under an id the app
 * picks, so a closed window never orphans a transfer; a tagged call (contract.ts CallTag: preview, test
 * connection, contact node, import, export…) runs under the id its caller picked, for as long as the
 * call. Both are cancelled the same way (their AbortSignal reaches the socket) and both push every change
 * to subscribers (the Electron window, the `ui` host's event streams) instead of being polled.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext, Job, Progress } from './contract.js';
import { CoreError } from '../errors.js';
import { errorToJSON } from './error-json.js';

/** What a running job may report (the handlers' CallContext). */
export type JobControl = CallContext;

/** Receives a snapshot of a job each time it changes. */
export type JobListener = (job: Job) => void;

interface Running {
  job: Job;
  controller: AbortController;
  /** when and at how many bytes each progress key (the whole job: '', a target: its id) first moved */
  firstSeen: Map<string, { at: number; done: number }>;
  /** a progress-only change waiting to be sent (snapshots are coalesced while bytes move) */
  timer: NodeJS.Timeout | null;
}

/** Progress snapshots of one job go out at most this often; steps and the end go out at once. */
const PROGRESS_EVERY_MS = 100;
/** Finished tagged calls kept for a late getJob (jobs are kept for the session). */
const KEEP_CALLS = 200;
/** Cancels that arrived before their call did (the request still on its way) are remembered this many. */
const KEEP_EARLY = 200;

/** In-memory registry of this process's jobs and tagged calls. */
export class JobRegistry {
  readonly #jobs = new Map<string, Running>();
  readonly #listeners = new Set<JobListener>();
  readonly #early = new Set<string>();
  readonly #finishedCalls: string[] = [];

  /** Starts `run` in the background and returns its id at once. */
  start(kind: 'fetch' | 'push' | 'kit', run: (control: JobControl) => Promise<unknown>): string {
    const id = randomUUID().replaceAll('-', '');
    const entry = this.#register(id, kind);
    void this.#run(entry, run).catch(() => undefined);
    return id;
  }

  /**
   * Runs one tagged call under the caller's operation id `op` and resolves or rejects as the call does.
   * An id already running is refused; a call whose cancel came first never starts (CANCELLED).
   */
  async call<T>(op: string, kind: Job['kind'], run: (control: JobControl) => Promise<T>): Promise<T> {
    const existing = this.#jobs.get(op);
    if (existing?.job.state === 'running')
      throw new CoreError('USAGE', `Operation ${op} is already running; the UI sent the same call twice. Reload the window.`);
    const entry = this.#register(op, kind);
    // cancelled while the call was on its way: it never starts
    const early = this.#early.delete(op);
    if (early) entry.controller.abort(new CoreError('CANCELLED', 'Cancelled by the user.'));
    try {
      return await this.#run(entry, early ? () => Promise.reject(entry.controller.signal.reason as Error) : run);
    } finally {
      this.#finishedCalls.push(op);
      while (this.#finishedCalls.length > KEEP_CALLS) {
        const old = this.#finishedCalls.shift();
        if (old !== undefined && this.#jobs.get(old)?.job.state !== 'running') this.#jobs.delete(old);
      }
    }
  }

  /** A snapshot of the job (copied so callers never see it change under them). */
  get(id: string): Job {
    const entry = this.#jobs.get(id);
    if (!entry) throw new CoreError('NOT_FOUND', `No job ${id} in this session; it may belong to a window that was restarted.`);
    return structuredClone(entry.job);
  }

  /**
   * Cancels a job or call: what has not started stops, what a node was already asked to do is awaited and
   * reported. An id not seen yet is a call still on its way: it starts cancelled.
   */
  cancel(id: string): Job {
    const entry = this.#jobs.get(id);
    if (!entry) {
      this.#early.add(id);
      if (this.#early.size > KEEP_EARLY) this.#early.delete(this.#early.values().next().value as string);
      return { id, kind: 'cancelJob', state: 'cancelled', progress: null, steps: [], seq: 0 };
    }
    if (entry.job.state === 'running') entry.controller.abort(new CoreError('CANCELLED', 'Cancelled by the user.'));
    return this.get(id);
  }

  /** Hears every change of every job until the returned function is called. */
  subscribe(listener: JobListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Waits for every running job (used on shutdown and by tests). */
  async settle(): Promise<void> {
    while ([...this.#jobs.values()].some((j) => j.job.state === 'running')) await new Promise((r) => setTimeout(r, 20));
  }

  #register(id: string, kind: Job['kind']): Running {
    const entry: Running = {
      job: { id, kind, state: 'running', progress: null, steps: [], seq: 0 },
      controller: new AbortController(),
      firstSeen: new Map(),
      timer: null,
    };
    this.#jobs.set(id, entry);
    this.#changed(entry, true);
    return entry;
  }

  async #run<T>(entry: Running, run: (control: JobControl) => Promise<T>): Promise<T> {
    const control: JobControl = {
      signal: entry.controller.signal,
      progress: (done, total, target) => {
        const p = this.#measure(entry, target ?? '', done, total);
        if (target === undefined) entry.job.progress = p;
        else entry.job.targets = { ...entry.job.targets, [target]: p };
        this.#changed(entry, false);
      },
      step: (s) => {
        entry.job.steps.push({ ...s, at: new Date().toISOString() });
        this.#changed(entry, true);
      },
    };
    try {
      const result = await run(control);
      // a job that finished despite a cancel did its work (a push whose apply had already been sent
      // reports each target as applied or cancelled in its result), so it is done, not cancelled
      entry.job.result = result;
      entry.job.state = 'done';
      return result;
    } catch (e) {
      entry.job.error = errorToJSON(e);
      entry.job.state = entry.controller.signal.aborted ? 'cancelled' : 'failed';
      throw e;
    } finally {
      this.#changed(entry, true);
    }
  }

  /** Rate since the key's first byte (a resumed upload counts from where it resumed), ETA from that rate. */
  #measure(entry: Running, key: string, done: number, total: number): Progress {
    const now = Date.now();
    let first = entry.firstSeen.get(key);
    if (!first) entry.firstSeen.set(key, (first = { at: now, done }));
    const seconds = (now - first.at) / 1000;
    const rate = seconds > 0 ? (done - first.done) / seconds : 0;
    return { done, total, rate, etaSeconds: total > 0 && rate > 0 ? Math.max(0, (total - done) / rate) : null };
  }

  /** Bumps the job's seq and tells the listeners: at once, or coalesced while only bytes move. */
  #changed(entry: Running, now: boolean): void {
    entry.job.seq++;
    if (now) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      this.#emit(entry);
    } else if (!entry.timer) {
      entry.timer = setTimeout(() => {
        entry.timer = null;
        this.#emit(entry);
      }, PROGRESS_EVERY_MS);
      entry.timer.unref();
    }
  }

  #emit(entry: Running): void {
    if (this.#listeners.size === 0) return;
    const snapshot = structuredClone(entry.job);
    for (const listener of this.#listeners) {
      try {
        listener(snapshot);
      } catch {
        // one broken subscriber (a closed stream) never stops the job or the others
      }
    }
  }
}
