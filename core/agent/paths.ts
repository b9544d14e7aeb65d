/**
 * The node store's layout on disk (`agent init --store DIR`); the durable writes the atomic apply
 * relies on are in ../durable.ts (interfaces.md "Apply semantics": a crash leaves the old or the new state).
 *
 * DIR/
 *   agent.json            node name, creation time, store format, keepStates (states kept, current included; default 5)
 *   CURRENT               {"state","previous","kept"}: the one pointer switched by rename (atomic); `kept` lists the
 *                         states a rollback can return to, newest first (a store made before it has only
 *                         "previous", read as kept = [previous]); `previous` = kept[0] for older readers
 *   states/<id>/          one immutable state: state.json + one payload file and <id>.content.json per component
 *   states/.tmp-*         a state being written (leftover of a killed apply; removed on next start)
 *   history.jsonl         every attempt, one JSON line each (a torn last line is ignored), chained by hash (history.ts)
 *   inbox/                SFTP arrivals and HTTPS uploads; a bundle applied from here is removed (apply.ts)
 *   inbox/<sha256>.custody.json  the signed transfer manifest a bundle arrived with (custody.ts)
 *   staged/<sha256>.zip   bundles kept for the hand-off to ISE (staged.ts): unknown-layout bundles staged as verified
 *                         opaque files, and every reference-layout bundle applied here; never replaced, never pruned
 *   staged/<sha256>.json  {format, sha256, size, layout, stagedAt, by, signer?, file, outcome, versions?}: written last
 *   staged/.tmp-*         a copy being written (leftover of a killed apply; removed on next apply)
 *   logs/ise-psc.log      ISE-shaped log, rotated by size
 *   tls/key.pem (0600) · tls/cert.pem · token (0600: the token named "admin")
 *   tokens.json (0600)    named API tokens, SHA-256 digests only (tokens.ts); logs/tokens-used.json: last use of each
 *   signers.json          trusted signers' public keys (signers.ts); custody.json: newest signed manifest accepted
 *   apply.lock            held while an apply, rollback or policy change runs
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const STORE_FORMAT = 1;

/** Prefix of the agent's own files in inbox/ while an HTTPS upload streams in (never a name a client may upload). */
export const UPLOAD_PREFIX = '.agent-upload-';

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
    tokens: join(store, 'tokens.json'),
    tokensUsed: join(store, 'logs', 'tokens-used.json'),
    signers: join(store, 'signers.json'),
    custodyMark: join(store, 'custody.json'),
    custodyDoc: (sha256: string) => join(store, 'inbox', `${sha256}.custody.json`),
    staged: join(store, 'staged'),
    stagedZip: (sha256: string) => join(store, 'staged', `${sha256}.zip`),
    stagedMeta: (sha256: string) => join(store, 'staged', `${sha256}.json`),
    lock: join(store, 'apply.lock'),
  };
}

/** A short unique id, sortable by time (used for state dirs and temp names). */
export function newId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
}
