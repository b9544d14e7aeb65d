/** Follows one background job (fetch or push) by polling getJob until it ends. */
import type { Job } from '../../../../core/app/contract';
import { api, asErrorJSON } from '../api';

export class JobWatch {
  job = $state<Job | null>(null);
  running = $derived(this.job?.state === 'running');
  #stopped = false;

  /** Polls every `intervalMs` until the job ends; resolves with the final job. */
  async follow(jobId: string, intervalMs = 200): Promise<Job> {
    this.#stopped = false;
    for (;;) {
      try {
        this.job = await api.getJob({ jobId });
      } catch (e) {
        this.job = {
          id: jobId,
          kind: this.job?.kind ?? 'fetch',
          state: 'failed',
          progress: null,
          steps: this.job?.steps ?? [],
          error: asErrorJSON(e),
        };
      }
      if (this.job.state !== 'running' || this.#stopped) return this.job;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async cancel(): Promise<void> {
    if (this.job) this.job = await api.cancelJob({ jobId: this.job.id });
  }

  stop(): void {
    this.#stopped = true;
  }
}
