/**
 * The one gate every call passes after the transport checked who is calling (ipc.ts, ui-host.ts):
 * parse the arguments (and the call's operation id, when the caller tagged it) against the contract, run
 * the handler with its call context, and serialise the answer ourselves — in the app's words
 * (app-words.ts) — because Electron's ipcMain.handle keeps only an Error's message (STYLE.md model 3).
 */
import { parseCall, parseOp, type AppEvent, type CallContext, type Envelope, type HandlerTable, type Job } from './contract.js';
import { errorToJSON } from './error-json.js';
import { inAppWords } from './app-words.js';
import type { JobRegistry } from './jobs.js';

/** What the transports serve: the handler table and the registry its long operations run in. */
export interface Backend {
  handlers: HandlerTable;
  jobs: JobRegistry;
}

/** A context for an untagged call: never cancelled, its reports go nowhere. */
function quietContext(): CallContext {
  return { signal: new AbortController().signal, progress: () => undefined, step: () => undefined };
}

/** Whether a job's text is about the update feed (its internet advice is kept there). */
const aboutFeed = (job: Job) => job.kind === 'fetch' || job.kind === 'startFetch';

/** A job as it leaves the app layer (an event, getJob, cancelJob): in the app's words. */
function jobForApp(job: Job): Job {
  return inAppWords(job, { feed: aboutFeed(job) });
}

/** The event that carries a job's snapshot to the UI. */
export function jobEvent(job: Job): AppEvent {
  return { type: 'job', job: jobForApp(job) };
}

/**
 * Runs one untrusted call against the handler table; never throws. `op` (untrusted too) tags the call:
 * it then runs in the registry under that id, cancellable, its progress pushed as events.
 */
export async function dispatch(backend: Backend, method: unknown, args: unknown, op?: unknown): Promise<Envelope> {
  try {
    const call = parseCall(method, args);
    const tag = parseOp(op);
    const handler = backend.handlers[call.method] as (...a: unknown[]) => Promise<unknown>;
    const result = tag
      ? await backend.jobs.call(tag, call.method, (context) => handler(...call.args, context))
      : await handler(...call.args, quietContext());
    if (call.method === 'getJob' || call.method === 'cancelJob') return { ok: true, result: jobForApp(result as Job) };
    return { ok: true, result: inAppWords(result) };
  } catch (e) {
    return { ok: false, error: inAppWords(errorToJSON(e), { feed: method === 'startFetch' }) };
  }
}
