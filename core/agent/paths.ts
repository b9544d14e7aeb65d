/**
 * The node store's layout on disk (`agent init --store DIR`); the durable writes the atomic apply
 * relies on are in ../durable.ts (interfaces.md "Apply semantics": a crash leaves the old or the new state).
 *
 * DIR/
 *   agent.json            node name, creation time, store format
 *   CURRENT               {"state","previous"}: the one pointer switched by rename (atomic)
 *   states/<id>/          one immutable state: state.json + one payload file and <id>.content.json per component
 *   states/.tmp-*         a state being written (leftover of a killed apply; removed on next start)
 *   history.jsonl         every attempt, one JSON line each (a torn last line is ignored)
 *   inbox/                SFTP arrivals and HTTPS uploads; a bundle applied from here is removed (apply.ts)
 *   logs/ise-psc.log      ISE-shaped log, rotated by size
 *   tls/key.pem (0600) · tls/cert.pem · token (0600)
 *   apply.lock            held while an apply, rollback or policy change runs
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const STORE_FORMAT = 1;

/** Path helpers for one store. */
export function storePaths(store: string) {
  return {
    root: store,
    agentFile: join(store, 'agent.json'),
    current: join(store, 'CURRENT'),
    states: join(store, 'states'),
    state: (id: string) => join(store, 'states', id),
    history: join(store, 'history.jsonl'),
    inbox: join(store, 'inbox'),
    logs: join(store, 'logs'),
    log: join(store, 'logs', 'ise-psc.log'),
    tls: join(store, 'tls'),
    key: join(store, 'tls', 'key.pem'),
    cert: join(store, 'tls', 'cert.pem'),
    token: join(store, 'token'),
    lock: join(store, 'apply.lock'),
  };
}
export type StorePaths = ReturnType<typeof storePaths>;

/** A short unique id, sortable by time (used for state dirs and temp names). */
export function newId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Plain write for files created once at init. */
export async function writeNew(file: string, data: string, mode = 0o644): Promise<void> {
  await writeFile(file, data, { mode, flag: 'wx' });
}
