/**
 * Which states a node keeps for rollback (issue 8 §6: "keep the last N states", interfaces.md
 * `agent rollback --to N|SHA256`). CURRENT holds `kept`, the rollback targets newest first; an apply pushes
 * the state it replaces onto it and drops what falls past N (the current state counts as one of the N);
 * a rollback to kept[i] discards the states newer than it (kept[0..i]: they were undone), so repeated
 * rollbacks walk further back; a policy change keeps the list as it is. A store made before `kept`
 * has only `previous`, read as kept = [previous] (no migration needed; the next commit writes `kept`).
 */
import { CoreError } from '../errors.js';

/** CURRENT: the live state and the ones kept for rollback. */
export interface CurrentPointer {
  state: string;
  /** kept[0], written for readers that predate `kept` */
  previous: string | null;
  /** rollback targets, newest first (absent in stores made before it: then [previous]) */
  kept?: string[];
}

/** agent.json: the store's identity and how many states it keeps. */
export interface AgentInfo {
  format: number;
  name: string;
  createdAt: string;
  /** how many states are kept, the current one included (absent: DEFAULT_KEEP_STATES) */
  keepStates?: number;
}

/** States kept by default, the current one included: four steps of rollback. */
export const DEFAULT_KEEP_STATES = 5;
const MAX_KEEP_STATES = 100;

/** USAGE unless `n` is a whole number of states a store can keep (2…100). */
export function checkKeepStates(n: number): void {
  if (!Number.isInteger(n) || n < 2 || n > MAX_KEEP_STATES)
    throw new CoreError(
      'USAGE',
      `--keep-states must be a whole number from 2 to ${MAX_KEEP_STATES} (the current state and at least one to roll back to), not ${n}.`,
      { keepStates: n },
    );
}

/** The store's setting, or the default. */
export function keepStatesOf(info: AgentInfo): number {
  const n = info.keepStates;
  return typeof n === 'number' && Number.isInteger(n) && n >= 2 && n <= MAX_KEEP_STATES ? n : DEFAULT_KEEP_STATES;
}

/** CURRENT's content: `previous` mirrors kept[0] for readers that predate `kept`. */
export function pointerFor(state: string, kept: string[]): CurrentPointer {
  return { state, previous: kept[0] ?? null, kept };
}

/** Rollback targets after an apply replaced `current`. */
export function keptAfterApply(current: string, kept: string[], info: AgentInfo): string[] {
  return [current, ...kept.filter((k) => k !== current)].slice(0, keepStatesOf(info) - 1);
}
