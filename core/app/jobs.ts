/**
 * Long operations (fetch, push) run as jobs the UI polls with getJob: the same code path works
 * over Electron IPC and over the `ui` HTTP host, and a closed window never orphans a transfer.
 */
import { randomUUID } from 'node:crypto';
import type { Job, JobStep } from './contract.js';
import { CoreError } from '../errors.js';
import { errorToJSON } from './dispatch.js';

/** What a running job may report. */
export interface JobControl {
  signal: AbortSignal;
  progress(done: number, total: number): void;
  step(step: Omit<JobStep, 'at'>): void;
}

interface Running {
  job: Job;
  controller: AbortController;
  started: number;
}

/** In-memory registry of this process's jobs (finished ones kept for the session). */
export class JobRegistry {
  readonly #jobs = new Map<string, Running>();

  /** Starts `run` in the background and returns its id at once. */
  start(kind: Job['kind'], run: (control: JobControl) => Promise<unknown>): string {
    const id = randomUUID().replaceAll('-', '');
    const controller = new AbortController();
    const entry: Running = { job: { id, kind, state: 'running', progress: null, steps: [] }, controller, started: Date.now() };
    this.#jobs.set(id, entry);
    const control: JobControl = {
      signal: controller.signal,
      progress: (done, total) => {
        const seconds = Math.max((Date.now() - entry.started) / 1000, 0.001);
        const rate = done / seconds;
        entry.job.progress = { done, total, rate, etaSeconds: total > 0 && rate > 0 ? Math.max(0, (total - done) / rate) : null };
      },
      step: (s) => {
        entry.job.steps.push({ ...s, at: new Date().toISOString() });
      },
    };
    void run(control).then(
      (result) => {
        // a job that finished despite a cancel did its work (a push whose apply had already been sent
        // reports each target as applied or cancelled in its result), so it is done, not cancelled
        entry.job.result = result;
        entry.job.state = 'done';
      },
      (e: unknown) => {
        entry.job.error = errorToJSON(e);
        entry.job.state = controller.signal.aborted ? 'cancelled' : 'failed';
      },
    );
    return id;
  }

  /** A snapshot of the job (copied so callers never see it change under them). */
  get(id: string): Job {
    const entry = this.#jobs.get(id);
    if (!entry) throw new CoreError('NOT_FOUND', `No job ${id} in this session; it may belong to a window that was restarted.`);
    return structuredClone(entry.job);
  }

  cancel(id: string): Job {
    const entry = this.#jobs.get(id);
    if (!entry) throw new CoreError('NOT_FOUND', `No job ${id} in this session.`);
    if (entry.job.state === 'running') entry.controller.abort(new CoreError('CANCELLED', 'Cancelled by the user.'));
    return this.get(id);
  }

  /** Waits for every running job (used on shutdown and by tests). */
  async settle(): Promise<void> {
    while ([...this.#jobs.values()].some((j) => j.job.state === 'running')) await new Promise((r) => setTimeout(r, 20));
  }
}
