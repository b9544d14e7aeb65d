/**
 * The job registry as the UI sees it through its events: every change pushed (steps and the end at once,
 * bytes coalesced), snapshots ordered by seq, per-target bytes with rate and ETA, and cancels that stop
 * what has not started — including a cancel that arrives before its call.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from './contract.js';
import { CoreError } from '../errors.js';
import { JobRegistry } from './jobs.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(jobs: JobRegistry) {
  const seen: Job[] = [];
  const stop = jobs.subscribe((j) => seen.push(j));
  return { seen, stop, of: (id: string) => seen.filter((j) => j.id === id) };
}

describe('JobRegistry', () => {
  it('pushes steps and the end at once and coalesces bytes, in seq order', async () => {
    const jobs = new JobRegistry();
    const r = recorder(jobs);
    let release = () => {};
    const id = jobs.start('push', async (job) => {
      job.step({ step: 'check', state: 'running' });
      for (let i = 1; i <= 50; i++) job.progress(i * 1000, 50_000, 't1');
      await new Promise<void>((resolve) => (release = resolve));
      return 'ok';
    });
    await tick(250);
    const during = r.of(id);
    // start + the step at once; fifty byte reports in one coalesced snapshot
    expect(during.length).toBeLessThanOrEqual(4);
    expect(during.at(-1)?.targets?.t1).toMatchObject({ done: 50_000, total: 50_000 });
    release();
    await jobs.settle();
    const all = r.of(id);
    expect(all.at(-1)).toMatchObject({ state: 'done', result: 'ok' });
    expect(all.map((j) => j.seq)).toEqual([...all.map((j) => j.seq)].sort((a, b) => a - b));
    expect(jobs.get(id).seq).toBe(all.at(-1)?.seq);
  });

  it('measures rate and ETA per target from its first byte', async () => {
    const jobs = new JobRegistry();
    let progress: Job['progress'] = null;
    const id = jobs.start('push', async (job) => {
      job.progress(1_000_000, 3_000_000, 'a');
      await tick(200);
      job.progress(1_200_000, 3_000_000, 'a');
      job.progress(10, 100);
    });
    await jobs.settle();
    const snap = jobs.get(id);
    progress = snap.targets?.a ?? null;
    // 200 kB in at least the 200 ms waited (a resumed upload counts from where it resumed, not from 0)
    expect(progress?.rate).toBeGreaterThan(0);
    expect(progress?.rate).toBeLessThanOrEqual(200_000 / 0.19);
    expect(progress?.etaSeconds).toBeCloseTo(1_800_000 / (progress?.rate ?? 1), 6);
    expect(snap.progress).toMatchObject({ done: 10, total: 100 });
  });

  it('gives snapshots the caller cannot change', async () => {
    const jobs = new JobRegistry();
    const id = jobs.start('fetch', async (job) => job.step({ step: 'x', state: 'done' }));
    await jobs.settle();
    jobs.get(id).steps.push({ step: 'forged', state: 'done', at: '' });
    expect(jobs.get(id).steps).toHaveLength(1);
  });

  it('a tagged call: its signal aborts on cancel, the call rejects CANCELLED, the job ends cancelled', async () => {
    const jobs = new JobRegistry();
    const r = recorder(jobs);
    const running = jobs.call('op1', 'testTarget', async (call) => {
      call.step({ step: 'dns', state: 'done' });
      await new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason as Error)));
    });
    await tick(20);
    await expect(jobs.call('op1', 'testTarget', async () => 1)).rejects.toMatchObject({ code: 'USAGE' });
    expect(jobs.cancel('op1').state).toBe('running'); // the handler is still unwinding
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(r.of('op1').at(-1)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
  });

  it('a job that finishes its work despite a cancel is done, not cancelled (an apply once sent is awaited)', async () => {
    const jobs = new JobRegistry();
    const id = jobs.start('push', async (job) => {
      await tick(50);
      return job.signal.aborted ? 'applied after the cancel' : 'applied';
    });
    jobs.cancel(id);
    await jobs.settle();
    expect(jobs.get(id)).toMatchObject({ state: 'done', result: 'applied after the cancel' });
  });

  it('a cancel that arrives before its call makes the call never start', async () => {
    const jobs = new JobRegistry();
    expect(jobs.cancel('early').state).toBe('cancelled');
    let ran = false;
    await expect(
      jobs.call('early', 'previewApply', async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(CoreError);
    expect(ran).toBe(false);
    expect(jobs.get('early').state).toBe('cancelled');
  });

  it('a failure is failed with its code, not cancelled', async () => {
    const jobs = new JobRegistry();
    await expect(
      jobs.call('bad', 'nodeStatus', async () => {
        throw new CoreError('UNREACHABLE', 'no route', { step: 'tcp' });
      }),
    ).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(jobs.get('bad')).toMatchObject({ state: 'failed', error: { code: 'UNREACHABLE', details: { step: 'tcp' } } });
  });
});
