/**
 * One apply at a time per store, across processes (interfaces.md "Apply semantics": a second gets
 * APPLY_BUSY). An O_EXCL lock file holding the owner's pid: a lock whose process is gone (kill -9,
 * power loss) is stale and is broken by the next caller, so a crashed apply never blocks the node.
 */
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CoreError } from '../errors.js';
import { storePaths, newId } from './paths.js';

export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  purpose: string;
  nonce: string;
}

/** A lock file younger than this with unreadable content is treated as being written right now. */
const FRESH_MS = 2_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<{ info: LockInfo | null; ageMs: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let info: LockInfo | null = null;
    try {
      const parsed = JSON.parse(text) as LockInfo;
      if (typeof parsed.pid === 'number') info = parsed;
    } catch {
      info = null;
    }
    return { info, ageMs: Date.now() - st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** True while a live process holds the store's apply lock (status `updating`). */
export async function isApplyRunning(store: string): Promise<boolean> {
  const lock = await readLock(storePaths(store).lock);
  if (!lock) return false;
  if (!lock.info) return lock.ageMs < FRESH_MS;
  return lock.info.host !== hostname() || pidAlive(lock.info.pid);
}

export type ReleaseLock = () => Promise<void>;

/**
 * Removes the lock file judged stale (`judged`: what was read then). It is moved aside first, so only one
 * breaker gets it; if what was moved is not the lock judged stale — another breaker already replaced it
 * with a live one — it is put back (link: never over a newer one), so a live apply never loses its lock.
 */
export async function breakStaleLock(file: string, judged: LockInfo | null): Promise<void> {
  const aside = `${file}.stale-${newId()}`;
  try {
    await rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readLock(aside);
  const same = judged ? moved?.info?.nonce === judged.nonce : !moved?.info;
  if (!same) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

/** Takes the store's apply lock or throws APPLY_BUSY; breaks a stale lock left by a dead process. */
export async function acquireApplyLock(store: string, purpose: string): Promise<ReleaseLock> {
  const file = storePaths(store).lock;
  const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose, nonce: randomBytes(8).toString('hex') };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify(info));
      } finally {
        await fh.close();
      }
      return async () => {
        const now = await readLock(file);
        if (now?.info?.nonce === info.nonce) await rm(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await readLock(file);
    if (!held) continue;
    const live = held.info ? held.info.host !== hostname() || pidAlive(held.info.pid) : held.ageMs < FRESH_MS;
    if (live) {
      throw new CoreError('APPLY_BUSY', 'Another apply, rollback or policy change is running on this node. Wait for it to finish (see `agent status`), then try again.', {
        pid: held.info?.pid ?? null,
        since: held.info?.since ?? null,
        running: held.info?.purpose ?? null,
      });
    }
    await breakStaleLock(file, held.info);
  }
  throw new CoreError('APPLY_BUSY', 'Could not take the apply lock of this node store after several attempts. Try again.', { lock: file });
}

/** Runs `fn` under the apply lock. */
export async function withApplyLock<T>(store: string, purpose: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquireApplyLock(store, purpose);
  try {
    return await fn();
  } finally {
    await release();
  }
}
