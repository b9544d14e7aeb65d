/**
 * The default posture policies, requirements and remediations the node created at its first
 * successful update. An admin may delete them; later applies never bring them back (seed: ISE creates
 * them once and does not re-create deleted ones).
 */
import { resolve } from 'node:path';
import { CoreError } from '../errors.js';
import type { ComponentId } from '../bundle/types.js';
import type { NodePolicy } from './types.js';
import { newId } from './paths.js';
import { cleanLeftovers, readCurrent, type StoreState } from './store.js';
import { commitState, pruneStates, type ComponentSource } from './commit.js';
import { withApplyLock } from './lock.js';
import { appendHistory } from './history.js';
import { writeLog, UPDATE_MANAGER } from './log.js';
import { defaultWho } from './apply.js';

/** The installed default policies/requirements/remediations. */
export async function listPolicies(store: string): Promise<NodePolicy[]> {
  const { state } = await readCurrent(resolve(store));
  return state.defaultPolicies.map((p) => ({ ...p }));
}

/**
 * Deletes an installed default by name — every kind with that name (ISE's requirement and remediation may share
 * one), or only `opts.kind`. A new state; rollback keeps it deleted.
 */
export async function deletePolicy(
  storeDir: string,
  name: string,
  opts: { who?: string; thread?: string; kind?: NodePolicy['kind'] } = {},
): Promise<{ deleted: NodePolicy[]; policies: NodePolicy[] }> {
  const store = resolve(storeDir);
  const who = opts.who ?? defaultWho();
  return withApplyLock(store, `delete policy ${name}`, async () => {
    await cleanLeftovers(store);
    const { pointer, state } = await readCurrent(store);
    const match = (p: NodePolicy) => p.name === name && (!opts.kind || p.kind === opts.kind);
    const found = state.defaultPolicies.filter(match);
    if (found.length === 0) {
      throw new CoreError(
        'NOT_FOUND',
        `No installed default policy, requirement or remediation is named "${name}". List them with \`posture-stage agent policies list\`.`,
        { name, installed: state.defaultPolicies.map((p) => p.name) },
      );
    }
    const sources = new Map<ComponentId, ComponentSource>();
    for (const id of Object.keys(state.components) as ComponentId[]) sources.set(id, { kind: 'state', stateId: state.id });
    const at = new Date();
    const next: StoreState = {
      ...state,
      id: newId(),
      createdAt: at.toISOString(),
      origin: 'policy-delete',
      defaultPolicies: state.defaultPolicies.filter((p) => !match(p)),
    };
    // keep the rollback targets: deleting a policy is not an apply
    await commitState(store, next, sources, pointer.kept);
    await pruneStates(store, [next.id, ...pointer.kept]);
    await writeLog(store, [
      {
        level: 'INFO',
        thread: opts.thread ?? 'agent-cli',
        who,
        logger: UPDATE_MANAGER,
        message: `Deleted default posture ${found.map((f) => f.kind).join(' and ')} ${name}`,
      },
    ]);
    await appendHistory(store, {
      at: at.toISOString(),
      sha256: '',
      mode: 'policy-delete',
      applied: [],
      result: 'success',
      who,
      policy: name,
    });
    return { deleted: found.map((f) => ({ ...f })), policies: next.defaultPolicies.map((p) => ({ ...p })) };
  });
}
