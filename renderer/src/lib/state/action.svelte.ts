/**
 * The renderer's one way to run a call (issue 9 §6): an Action holds whether it is busy, the error it
 * ended with (as the core's {code, message, details}), and — started as an operation (an `Op` passed to the
 * API) — its live progress and a cancel. Screens render `busy`, `job`, `error` and `cancelled` instead of
 * repeating try/catch.
 *
 *   const test = new Action((op, id: string) => api.testTarget({ id }, op));
 *   <button onclick={() => test.run(t.id)} disabled={test.busy}>   {#if test.busy}<button onclick={() => test.cancel()}>
 */
import type { Job } from '../../../../core/app/contract';
import type { ErrorJSON } from '../../../../core/errors';
import { api, asErrorJSON, Op } from '../api';
import { followJob, newer } from '../events';

/** Runs `fn`, giving its value or the error it threw as the core's ErrorJSON. */
export async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ErrorJSON }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: asErrorJSON(e) };
  }
}

export interface ActionHooks<R> {
  /** after a success (e.g. refresh a list, set a notice) */
  done?: (value: R) => void | Promise<void>;
  /** where a failure goes instead of `error` (e.g. the app's banner) */
  failed?: (error: ErrorJSON) => void;
}

export class Action<A extends unknown[], R> {
  busy = $state(false);
  error = $state<ErrorJSON | null>(null);
  /** the last value it succeeded with */
  value = $state<R | null>(null);
  /** the running operation's latest snapshot: its steps and bytes (null until the app reports) */
  job = $state<Job | null>(null);
  cancelling = $state(false);
  /** the last run ended because it was cancelled */
  cancelled = $state(false);
  readonly #fn: (op: Op, ...args: A) => Promise<R>;
  readonly #hooks: ActionHooks<R>;
  #op: Op | null = null;

  constructor(fn: (op: Op, ...args: A) => Promise<R>, hooks: ActionHooks<R> = {}) {
    this.#fn = fn;
    this.#hooks = hooks;
  }

  /** Runs once (a second click while busy does nothing); resolves with the value, or undefined after a failure or cancel. */
  async run(...args: A): Promise<R | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    this.error = null;
    this.cancelled = false;
    this.cancelling = false;
    this.job = null;
    const op = (this.#op = new Op());
    const unfollow = followJob(op.op, (job) => (this.job = newer(this.job, job)));
    try {
      const r = await attempt(() => this.#fn(op, ...args));
      if (r.ok) {
        this.value = r.value;
        await this.#hooks.done?.(r.value);
        return r.value;
      }
      if (r.error.code === 'CANCELLED') this.cancelled = true;
      else if (this.#hooks.failed) this.#hooks.failed(r.error);
      else this.error = r.error;
      return undefined;
    } finally {
      unfollow();
      this.#op = null;
      this.busy = false;
      this.cancelling = false;
    }
  }

  /** Cancels the running call: what has not started stops (the call then ends CANCELLED). */
  async cancel(): Promise<void> {
    const op = this.#op;
    if (!op) return;
    this.cancelling = true;
    await attempt(() => api.cancelJob({ jobId: op.op }));
  }

  /** Forgets the last value too (what it showed no longer holds, e.g. the target was edited). */
  forget(): void {
    this.value = null;
    this.job = null;
    this.dismiss();
  }

  /** Forgets the error and the cancelled note (a dismissed message). */
  dismiss(): void {
    this.error = null;
    this.cancelled = false;
  }
}

/** One Action per key — a row's Test connection, its Node status — made on first use. */
export class ActionMap<K, A extends unknown[], R> {
  // not a SvelteMap on purpose: `get` runs while a template renders, where writing reactive state is an
  // error; each Action's own fields are what the screen reacts to
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #actions = new Map<K, Action<A, R>>();
  readonly #fn: (op: Op, key: K, ...args: A) => Promise<R>;
  readonly #hooks: ActionHooks<R>;

  constructor(fn: (op: Op, key: K, ...args: A) => Promise<R>, hooks: ActionHooks<R> = {}) {
    this.#fn = fn;
    this.#hooks = hooks;
  }

  get(key: K): Action<A, R> {
    let action = this.#actions.get(key);
    if (!action) {
      action = new Action((op, ...args: A) => this.#fn(op, key, ...args), this.#hooks);
      this.#actions.set(key, action);
    }
    return action;
  }
}
