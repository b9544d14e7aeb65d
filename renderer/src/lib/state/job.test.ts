/**
 * Following a background job by its pushed events: the end wins over anything older, including the answer to a
 * cancel that was still on its way when the job's end arrived (the push view would otherwise stay on "Cancelling…").
 */
import { describe, expect, it, vi } from 'vitest';
import type { Job } from '../../../../core/app/contract';
import type { StreamNews } from '../api';

const h = vi.hoisted(() => ({
  listener: null as ((news: StreamNews) => void) | null,
  answerCancel: null as ((job: Job) => void) | null,
  first: null as Job | null,
}));

vi.mock('../api', async (original) => {
  const real = await original<typeof import('../api')>();
  return {
    ...real,
    openEvents: (listener: (news: StreamNews) => void) => {
      h.listener = listener;
      return () => undefined;
    },
    api: {
      getJob: async () => h.first,
      cancelJob: () => new Promise<Job>((resolve) => (h.answerCancel = resolve)),
    },
  };
});

const { JobWatch } = await import('./job.svelte');

const snap = (seq: number, state: Job['state'] = 'running'): Job => ({
  id: 'job1',
  kind: 'push',
  state,
  progress: null,
  steps: [],
  seq,
  ...(state === 'done' ? { result: [] } : {}),
});
const push = (job: Job) => h.listener?.({ kind: 'event', event: { type: 'job', job } });

describe('JobWatch', () => {
  it('keeps the end that arrived while the cancel was on its way', async () => {
    h.first = snap(3);
    const watch = new JobWatch();
    const ended = watch.follow('job1');
    await vi.waitFor(() => expect(watch.job?.seq).toBe(3));
    push(snap(5));
    const cancelling = watch.cancel();
    expect(watch.cancelling).toBe(true);
    push(snap(7, 'done'));
    expect((await ended).state).toBe('done');
    // the cancel's answer is the job as it was when the cancel reached it: older than the end
    h.answerCancel?.(snap(6));
    await cancelling;
    expect(watch.job).toMatchObject({ state: 'done', seq: 7 });
    expect(watch.running).toBe(false);
  });
});
