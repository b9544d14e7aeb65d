/**
 * Rollback to the state before the last apply (interfaces.md `POST /api/v1/rollback`, `agent rollback`).
 * Content and versions go back; the node's policy bookkeeping does not: default policies stay
 * "created once" and a deleted default stays deleted (seed: ISE never re-creates them).
 */
import { resolve } from 'node:path';
import { CoreError } from '../errors.js';
import { COMPONENT_IDS, type ComponentId } from '../bundle/types.js';
import type { RollbackResult } from './types.js';
import { newId } from './paths.js';
import { cleanLeftovers, readCurrent, readState, VERSION_KEY, type StoreState } from './store.js';
import { commitState, pruneStates, type ComponentSource } from './commit.js';
import { withApplyLock } from './lock.js';
import { appendHistory } from './history.js';
import { writeLog, UPDATE_MANAGER } from './log.js';
import { statusFor } from './status.js';
import { defaultWho } from './apply.js';

/** Restores the previous state; NOTHING_TO_ROLL_BACK when there is none. */
export async function rollback(storeDir: string, opts: { who?: string; thread?: string } = {}): Promise<RollbackResult> {
  const store = resolve(storeDir);
  const who = opts.who ?? defaultWho();
  return withApplyLock(store, 'rollback', async () => {
    await cleanLeftovers(store);
    const { pointer, state, info } = await readCurrent(store);
    if (!pointer.previous) {
      throw new CoreError(
        'NOTHING_TO_ROLL_BACK',
        'There is no state before the last apply to go back to (nothing was applied since the store was created or since the last rollback).',
        { store },
      );
    }
    const prev = await readState(store, pointer.previous);
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
    await commitState(store, next, sources, null);
    await pruneStates(store, [next.id]);
    const restored = Object.entries(state.versions)
      .map(([k, v]) => `${k} ${v} → ${prev.versions[k as keyof typeof prev.versions]}`)
      .join(', ');
    await writeLog(store, [
      {
        level: 'INFO',
        thread: opts.thread ?? 'agent-cli',
        who,
        logger: UPDATE_MANAGER,
        message: `Rolled back posture content to the state before the last update: ${restored}`,
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
    });
    return { restored: { versions: { ...prev.versions } }, status: await statusFor(store, next, info.name, { updating: false }) };
  });
}
