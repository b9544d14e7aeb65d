/**
 * Rollback to a kept state (interfaces.md `POST /api/v1/rollback` with optional `{"to": N|SHA256}`,
 * `agent rollback --to N|SHA256`; which states are kept: states.ts). N counts steps back (1 = the state
 * before the last apply, the default); SHA256 names a kept state by its bundle's SHA-256 (or its state id).
 * Content and versions go back; the node's policy bookkeeping does not: default policies stay
 * "created once" and a deleted default stays deleted (seed: ISE never re-creates them).
 */
import { resolve } from 'node:path';
import { CoreError } from '../errors.js';
import { COMPONENT_IDS, type ComponentId, type Versions } from '../bundle/types.js';
import type { RollbackResult } from './types.js';
import { newId } from './paths.js';
import { cleanLeftovers, readCurrent, readState, VERSION_KEY, type StoreState } from './store.js';
import { commitState, pruneStates, type ComponentSource } from './commit.js';
import { withApplyLock } from './lock.js';
import { appendHistory } from './history.js';
import { writeLog, UPDATE_MANAGER } from './log.js';
import { statusFor } from './status.js';
import { defaultWho } from './apply.js';
import { keepStatesOf } from './states.js';

/** One state the node holds (`agent states --json`: `{"ok":true,"keepStates","current":KeptState,"kept":[KeptState…]}`). */
export interface KeptState {
  /** 0 = current, 1 = the state `rollback` returns to, … */
  step: number;
  id: string;
  createdAt: string;
  origin: StoreState['origin'];
  /** the bundle that produced it (null for the initial, empty state) */
  bundleSha256: string | null;
  versions: Versions;
}

/** A rollback target: N steps back (1…) or a kept state's bundle SHA-256 or state id. */
export type RollbackTarget = number | string;

const summary = (step: number, s: StoreState): KeptState => ({
  step,
  id: s.id,
  createdAt: s.createdAt,
  origin: s.origin,
  bundleSha256: s.bundleSha256,
  versions: { ...s.versions },
});

/** The current state and the kept ones, newest first. */
export async function listStates(storeDir: string): Promise<{ keepStates: number; current: KeptState; kept: KeptState[] }> {
  const store = resolve(storeDir);
  const { pointer, state, info } = await readCurrent(store);
  const kept: KeptState[] = [];
  for (const [i, id] of pointer.kept.entries()) kept.push(summary(i + 1, await readState(store, id)));
  return { keepStates: keepStatesOf(info), current: summary(0, state), kept };
}

/** Parses `--to` / `{"to"}`: a step count, a SHA-256 or a state id; USAGE otherwise. */
export function parseRollbackTarget(to: unknown): RollbackTarget | undefined {
  if (to === undefined || to === null) return undefined;
  if (typeof to === 'number' && Number.isInteger(to) && to >= 1) return to;
  if (typeof to === 'string' && /^[1-9]\d{0,2}$/.test(to)) return Number(to);
  if (typeof to === 'string' && /^([0-9a-fA-F]{64}|[0-9a-z-]{1,64})$/.test(to)) return to.toLowerCase();
  throw new CoreError(
    'USAGE',
    "`to` must be a number of steps back (1 = before the last apply), or the SHA-256 of a kept state's bundle (see `agent states`).",
    { to: typeof to === 'string' || typeof to === 'number' ? to : typeof to },
  );
}

async function pickTarget(store: string, kept: string[], to: RollbackTarget | undefined): Promise<{ index: number; state: StoreState }> {
  if (kept.length === 0)
    throw new CoreError(
      'NOTHING_TO_ROLL_BACK',
      'There is no earlier state to go back to (nothing was applied since the store was created, or every kept state was already rolled back to).',
      { store },
    );
  const states = await Promise.all(kept.map((id) => readState(store, id)));
  const index = to === undefined ? 0 : typeof to === 'number' ? to - 1 : states.findIndex((s) => s.bundleSha256 === to || s.id === to);
  const state = states[index];
  if (index < 0 || !state)
    throw new CoreError(
      'NOT_FOUND',
      typeof to === 'number'
        ? `The node keeps ${kept.length} earlier state${kept.length === 1 ? '' : 's'}; it cannot go back ${to} steps. See \`agent states\`.`
        : `No kept state came from bundle ${to}. See \`agent states\` for the ones this node can go back to.`,
      { to, kept: states.map((s, i) => ({ step: i + 1, id: s.id, bundleSha256: s.bundleSha256, createdAt: s.createdAt })) },
    );
  return { index, state };
}

/** Restores a kept state (default: the one before the last apply); NOTHING_TO_ROLL_BACK when there is none. */
export async function rollback(
  storeDir: string,
  opts: { who?: string; thread?: string; to?: RollbackTarget } = {},
): Promise<RollbackResult> {
  const store = resolve(storeDir);
  const who = opts.who ?? defaultWho();
  return withApplyLock(store, 'rollback', async () => {
    await cleanLeftovers(store);
    const { pointer, state, info } = await readCurrent(store);
    const { index, state: prev } = await pickTarget(store, pointer.kept, opts.to);
    const sources = new Map<ComponentId, ComponentSource>();
    for (const id of Object.keys(prev.components) as ComponentId[]) sources.set(id, { kind: 'state', stateId: prev.id });
    const at = new Date();
    const next: StoreState = {
      ...prev,
      id: newId(),
      createdAt: at.toISOString(),
      origin: 'rollback',
      defaultPoliciesCreated: state.defaultPoliciesCreated,
      defaultPolicies: state.defaultPolicies,
    };
    // the states newer than the target were undone; older ones stay for a further rollback
    const kept = pointer.kept.slice(index + 1);
    await commitState(store, next, sources, kept);
    await pruneStates(store, [next.id, ...kept]);
    const restored = Object.entries(state.versions)
      .map(([k, v]) => `${k} ${v} → ${prev.versions[k as keyof typeof prev.versions]}`)
      .join(', ');
    const steps = index + 1;
    await writeLog(store, [
      {
        level: 'INFO',
        thread: opts.thread ?? 'agent-cli',
        who,
        logger: UPDATE_MANAGER,
        message: `Rolled back posture content ${steps === 1 ? 'to the state before the last update' : `${steps} states back`}: ${restored}`,
      },
    ]);
    await appendHistory(store, {
      at: at.toISOString(),
      sha256: prev.bundleSha256 ?? '',
      mode: 'rollback',
      applied: COMPONENT_IDS.filter(
        (id) => id !== 'supported-os-legacy' && state.versions[VERSION_KEY[id]] !== prev.versions[VERSION_KEY[id]],
      ).map((id) => ({ component: id, from: state.versions[VERSION_KEY[id]], to: prev.versions[VERSION_KEY[id]] })),
      result: 'success',
      who,
      steps,
    });
    return {
      restored: { versions: { ...prev.versions } },
      steps,
      state: next.id,
      status: await statusFor(store, next, info.name, { updating: false }),
    };
  });
}
