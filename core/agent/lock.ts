/**
 * One apply at a time per store, across processes (interfaces.md "Apply semantics": a second gets
 * APPLY_BUSY). An O_EXCL lock file holding the owner's pid: a lock whose process is gone (kill -9,
 * power loss) is stale and is broken by the next caller, so a crashed apply never blocks the node.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { parseJson } from '../json.js';
import { storePaths } from './paths.js';

/** What the lock file holds: who took it, where, when and why (only `pid` is needed to judge it). */
const lockInfoSchema = z.object({
  pid: z.number().int(),
  host: z.string().optional(),
  since: z.string().optional(),
  purpose: z.string().optional(),
  nonce: z.string().optional(),
});
type LockInfo = z.infer<typeof lockInfoSchema>;

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

export interface ReadLock {
  info: LockInfo | null;
  ageMs: number;
  /** identifies this lock file instance (with mtime), for locks whose content cannot be read */
  ino: number;
  mtimeMs: number;
}

async function readLock(file: string): Promise<ReadLock | null> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    // a lock being written right now, or one from another version, has no readable owner (judged by age)
    const parsed = parseJson(text, lockInfoSchema);
    const info = parsed.ok ? parsed.data : null;
    return { info, ageMs: Date.now() - st.mtimeMs, ino: st.ino, mtimeMs: st.mtimeMs };
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

/** A breaker's guard older than this belongs to a breaker that died (breaking takes microseconds). */
const GUARD_STALE_MS = 10_000;

function sameLock(a: ReadLock, b: ReadLock): boolean {
  return a.info || b.info ? a.info?.nonce === b.info?.nonce : a.ino === b.ino && a.mtimeMs === b.mtimeMs;
}

/**
 * Removes the lock judged stale (`judged`: what was read then). Breakers take turns under a guard file
 * (O_EXCL), and the guard holder removes the lock only if it is still the one judged stale: a stale lock
 * can only go away through a breaker, so between that re-read and the removal nobody can replace it, and
 * a live lock taken meanwhile is never removed. Returns without breaking when another breaker is at work.
 */
export async function breakStaleLock(file: string, judged: ReadLock): Promise<void> {
  const guard = `${file}.break`;
  try {
    const fh = await open(guard, 'wx', 0o644);
    await fh.close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const st = await stat(guard).catch(() => null);
    if (st && Date.now() - st.mtimeMs > GUARD_STALE_MS) await rm(guard, { force: true });
    return;
  }
  try {
    const now = await readLock(file);
    if (now && sameLock(now, judged)) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** Takes the store's apply lock or throws APPLY_BUSY; breaks a stale lock left by a dead process. */
export async function acquireApplyLock(store: string, purpose: string): Promise<ReleaseLock> {
  const file = storePaths(store).lock;
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    purpose,
    nonce: randomBytes(8).toString('hex'),
  };
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
      throw new CoreError(
        'APPLY_BUSY',
        'Another apply, rollback or policy change is running on this node. Wait for it to finish (see `agent status`), then try again.',
        {
          pid: held.info?.pid ?? null,
          since: held.info?.since ?? null,
          running: held.info?.purpose ?? null,
        },
      );
    }
    await breakStaleLock(file, held);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
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
