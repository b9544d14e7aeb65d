/** Follows one background job (fetch or push) by its pushed events until it ends; no polling. */
import type { Job } from '../../../../core/app/contract';
import { api, asErrorJSON } from '../api';
import { followJob, newer } from '../events';

export class JobWatch {
  job = $state<Job | null>(null);
  running = $derived(this.job?.state === 'running');
  cancelling = $state(false);
  #stop: (() => void) | null = null;

  /** Resolves with the job once it is no longer running. */
  follow(jobId: string): Promise<Job> {
    this.#stop?.();
    this.job = null;
    this.cancelling = false;
    return new Promise((resolve) => {
      const take = (next: Job) => {
        const job = newer(this.job, next);
        this.job = job;
        if (job.state !== 'running') {
          stop();
          resolve(job);
        }
      };
      // the snapshot as it is now (events before it are older; events after it are newer), and again after a gap
      const read = () =>
        api.getJob({ jobId }).then(take, (e: unknown) =>
          take({
            id: jobId,
            kind: 'push',
            state: 'failed',
            progress: null,
            steps: this.job?.steps ?? [],
            seq: Infinity,
            error: asErrorJSON(e),
          }),
        );
      const stop = followJob(jobId, take, () => void read());
      this.#stop = stop;
      void read();
    });
  }

  /** Asks the app to cancel: what has not started stops; what a node was already asked to do is reported as done. */
  async cancel(): Promise<void> {
    if (!this.job || this.job.state !== 'running') return;
    this.cancelling = true;
    const answer = await api.cancelJob({ jobId: this.job.id });
    // compared with the job as it is now: its end may have arrived while the cancel was on its way
    this.job = newer(this.job, answer);
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }
}
