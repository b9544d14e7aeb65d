/**
 * For handler tests only (build/tsconfig.build.json leaves testing.ts out of the app): calls the
 * handler table the way IPC and the `ui` host do — through dispatch, with untrusted arguments — and
 * follows jobs as the renderer's JobWatch does.
 */
import { dispatch } from '../dispatch.js';
import type { HandlerTable, Job, Method, Results } from '../contract.js';
import type { ErrorJSON } from '../../errors.js';

/** `table` is read at each call, so tests may build the handlers in beforeAll. */
export function handlerClient(table: () => HandlerTable) {
  /** The method's result, or a thrown Error carrying the envelope's {code, message, details}. */
  async function call<M extends Method>(method: M, ...args: unknown[]): Promise<Results[M]> {
    const r = await dispatch(table(), method, args);
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.result as Results[M];
  }

  /** The error a call is refused with (fails the test if it succeeds). */
  async function refusal(method: Method, ...args: unknown[]): Promise<ErrorJSON> {
    const r = await dispatch(table(), method, args);
    if (r.ok) throw new Error(`${method} unexpectedly succeeded`);
    return r.error;
  }

  /** Polls getJob until the job leaves 'running'. */
  async function finished(jobId: string): Promise<Job> {
    for (;;) {
      const job = await call('getJob', { jobId });
      if (job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return { call, refusal, finished };
}
