/**
 * The node's "Update Information" (interfaces.md `GET /api/v1/status`, ISE's Posture Updates page as
 * in ../shared/seed/ise-posture-update.ja.txt): versions, last successful update, last status in ISE's words.
 */
import type { NodeStatus } from './types.js';
import { VERSION_LABELS, type VersionKey } from '../bundle/types.js';
import { readCurrent, type StoreState } from './store.js';
import { readHistory, statusText } from './history.js';
import { isApplyRunning } from './lock.js';
import { VERSION } from '../version.js';

/** Builds the status from a state plus the newest apply attempt in history. */
export async function statusFor(store: string, state: StoreState, name?: string, opts: { updating?: boolean } = {}): Promise<NodeStatus> {
  // the answer of a finished apply/rollback is computed while its own lock is still held
  const updating = opts.updating ?? (await isApplyRunning(store));
  const lastAttempt = (await readHistory(store)).find((h) => h.mode === 'apply');
  const lastUpdateStatus = updating
    ? 'An update is running'
    : lastAttempt
      ? statusText(lastAttempt)
      : (state.lastUpdateStatus ?? 'No update attempted since installation');
  return {
    versions: { ...state.versions },
    lastSuccessfulUpdate: state.lastSuccessfulUpdate,
    lastUpdateStatus,
    updateMode: 'Offline',
    defaultPoliciesCreated: state.defaultPoliciesCreated,
    updating,
    ...(name !== undefined ? { name } : {}),
    defaultPolicies: state.defaultPolicies.map((p) => p.name),
    agentVersion: VERSION,
  };
}

/** `agent status` / `GET /api/v1/status`. */
export async function readStatus(store: string): Promise<NodeStatus> {
  const { state, info } = await readCurrent(store);
  return statusFor(store, state, info.name);
}

/** ISE's Update Information block, for humans. */
export function formatUpdateInformation(status: NodeStatus): string {
  const lines = [
    `Update Information${status.name ? ` (${status.name})` : ''}`,
    `Last successful update on: ${status.lastSuccessfulUpdate ?? 'No Update since Installation'}`,
    `Last update status since ISE was started: ${status.lastUpdateStatus}`,
  ];
  for (const key of Object.keys(VERSION_LABELS) as VersionKey[]) lines.push(`${VERSION_LABELS[key]}: ${status.versions[key]}`);
  lines.push(`Update mode: ${status.updateMode}`);
  lines.push(
    `Default posture policies created: ${status.defaultPoliciesCreated ? `yes (${status.defaultPolicies?.length ?? 0} installed)` : 'no'}`,
  );
  return lines.join('\n');
}
