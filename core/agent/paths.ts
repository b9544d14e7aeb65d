/**
 * The node store's layout on disk (`agent init --store DIR`) and the durable-write helpers the
 * atomic apply relies on (interfaces.md "Apply semantics": a crash leaves the old or the new state).
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
import { open, rename, writeFile, rm } from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';
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

/** fsync a directory so a rename inside it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a file and fsyncs it (not yet visible under a final name). */
export async function writeFileSynced(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const fh = await open(file, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `file` atomically: temp file, fsync, rename, fsync the directory. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${newId()}`);
  try {
    await writeFileSynced(tmp, data, mode);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dirname(file));
}

/** Plain write for files created once at init. */
export async function writeNew(file: string, data: string, mode = 0o644): Promise<void> {
  await writeFile(file, data, { mode, flag: 'wx' });
}
