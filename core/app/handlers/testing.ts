/**
 * For handler tests only (build/tsconfig.build.json leaves testing.ts out of the app): calls the
 * handler table the way IPC and the `ui` host do — through dispatch, with untrusted arguments — and
 * follows jobs as the renderer's JobWatch does.
 */
import { dispatch, type Backend } from '../dispatch.js';
import { JobRegistry } from '../jobs.js';
import type { HandlerTable, Job, Method, Results } from '../contract.js';
import type { ErrorJSON } from '../../errors.js';

/**
 * `table` (and `jobs`, the context's registry, for calls tagged with an operation id) are read at each
 * call, so tests may build the handlers in beforeAll.
 */
export function handlerClient(table: () => HandlerTable, jobs?: () => JobRegistry) {
  const own = new JobRegistry();
  const backend = (): Backend => ({ handlers: table(), jobs: jobs?.() ?? own });

  /** The method's result, or a thrown Error carrying the envelope's {code, message, details}. */
  async function call<M extends Method>(method: M, ...args: unknown[]): Promise<Results[M]> {
    const r = await dispatch(backend(), method, args);
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.result as Results[M];
  }

  /** Like `call`, tagged with the operation id `op` (cancellable with cancelJob, progress as job events). */
  async function tagged<M extends Method>(op: string, method: M, ...args: unknown[]): Promise<Results[M]> {
    const r = await dispatch(backend(), method, args, op);
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.result as Results[M];
  }

  /** The error a call is refused with (fails the test if it succeeds). */
  async function refusal(method: Method, ...args: unknown[]): Promise<ErrorJSON> {
    const r = await dispatch(backend(), method, args);
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

  return { call, tagged, refusal, finished };
}
