/**
 * The renderer's one action helper (issue 9 §6): busy while it runs and never twice at once, the core's
 * error as {code, message, details}, the operation's pushed snapshots (newest wins), and a cancel that asks
 * the app to cancel that very operation and ends as "cancelled", not as an error.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../../../core/app/contract';
import type { Op, StreamNews } from '../api';

const h = vi.hoisted(() => ({
  listener: null as ((news: StreamNews) => void) | null,
  cancelled: [] as string[],
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
      cancelJob: async ({ jobId }: { jobId: string }) => {
        h.cancelled.push(jobId);
        return { id: jobId, kind: 'cancelJob', state: 'cancelled', progress: null, steps: [], seq: 0 };
      },
    },
  };
});

const { Action } = await import('./action.svelte');
const { ApiError } = await import('../api');

const snapshot = (id: string, seq: number, steps: Job['steps'] = []): Job => ({
  id,
  kind: 'testTarget',
  state: 'running',
  progress: null,
  steps,
  seq,
});
const push = (job: Job) => h.listener?.({ kind: 'event', event: { type: 'job', job } });

/** A call the test finishes by hand, remembering the operation it was tagged with. */
function pending<R>() {
  let settle: { resolve: (v: R) => void; reject: (e: unknown) => void } | null = null;
  const ops: string[] = [];
  const fn = (op: Op) => {
    ops.push(op.op);
    return new Promise<R>((resolve, reject) => (settle = { resolve, reject }));
  };
  return { fn, ops, resolve: (v: R) => settle?.resolve(v), reject: (e: unknown) => settle?.reject(e) };
}

describe('Action', () => {
  beforeEach(() => {
    h.cancelled.length = 0;
  });

  it('is busy while it runs, ignores a second run, keeps the value and calls done', async () => {
    const call = pending<string>();
    const done = vi.fn();
    const action = new Action(call.fn, { done });
    const first = action.run();
    expect(action.busy).toBe(true);
    expect(await action.run()).toBeUndefined();
    expect(call.ops).toHaveLength(1);
    call.resolve('ok');
    expect(await first).toBe('ok');
    expect(action).toMatchObject({ busy: false, value: 'ok', error: null, cancelled: false });
    expect(done).toHaveBeenCalledWith('ok');
  });

  it("follows its own operation's pushed snapshots, newest first, and no other operation's", async () => {
    const call = pending<number>();
    const action = new Action(call.fn);
    const running = action.run();
    const op = call.ops[0] ?? '';
    push(snapshot(op, 2, [{ step: 'dns', state: 'done', at: '' }]));
    push(snapshot(op, 1)); // late and older: ignored
    push(snapshot('someone-else', 9));
    expect(action.job).toMatchObject({ id: op, seq: 2, steps: [{ step: 'dns' }] });
    call.resolve(1);
    await running;
  });

  it('gives the core’s error as fields, or to the failed hook instead', async () => {
    const call = pending<never>();
    const action = new Action(call.fn);
    const running = action.run();
    call.reject(new ApiError({ code: 'UNREACHABLE', message: 'No answer.', details: { step: 'tls' } }));
    expect(await running).toBeUndefined();
    expect(action.error).toEqual({ code: 'UNREACHABLE', message: 'No answer.', details: { step: 'tls' } });
    action.dismiss();
    expect(action.error).toBeNull();

    const failed = vi.fn();
    const hooked = new Action(call.fn, { failed });
    const again = hooked.run();
    call.reject(new ApiError({ code: 'AUTH_FAILED', message: 'The node refused the token.' }));
    await again;
    expect(hooked.error).toBeNull();
    expect(failed).toHaveBeenCalledWith(expect.objectContaining({ code: 'AUTH_FAILED' }));
  });

  it('cancel asks the app to cancel this operation; the CANCELLED end is "cancelled", not an error', async () => {
    const call = pending<never>();
    const action = new Action(call.fn);
    await action.cancel(); // nothing running: nothing asked
    expect(h.cancelled).toEqual([]);
    const running = action.run();
    await action.cancel();
    expect(action.cancelling).toBe(true);
    expect(h.cancelled).toEqual(call.ops);
    call.reject(new ApiError({ code: 'CANCELLED', message: 'Cancelled by the user.' }));
    await running;
    expect(action).toMatchObject({ busy: false, cancelling: false, cancelled: true, error: null });
  });
});
