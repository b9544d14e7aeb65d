/**
 * The page's one subscription to the app's pushed events (contract.ts AppEvent), shared by everything that
 * follows a job or a tagged call: followers register by job id and hear each newer snapshot; after the
 * stream came back from a gap they are told to re-read (getJob), so no end is ever missed.
 */
import type { Job } from '../../../core/app/contract';
import { openEvents } from './api';

interface Follower {
  onJob: (job: Job) => void;
  onGap?: () => void;
}

const followers = new Map<string, Set<Follower>>();
let close: (() => void) | null = null;

function ensureOpen(): void {
  close ??= openEvents((news) => {
    if (news.kind === 'reconnected') {
      for (const set of followers.values()) for (const f of set) f.onGap?.();
      return;
    }
    const job = news.event.job;
    for (const f of followers.get(job.id) ?? []) f.onJob(job);
  });
}

/** Hears every snapshot of job `id` until the returned function is called; `onGap` after a reconnect. */
export function followJob(id: string, onJob: (job: Job) => void, onGap?: () => void): () => void {
  ensureOpen();
  const set = followers.get(id) ?? new Set<Follower>();
  const follower: Follower = { onJob, ...(onGap ? { onGap } : {}) };
  set.add(follower);
  followers.set(id, set);
  return () => {
    set.delete(follower);
    if (set.size === 0) followers.delete(id);
  };
}

/** Of two snapshots of one job, the newer (snapshots may arrive out of order with a getJob answer). */
export function newer(current: Job | null, next: Job): Job {
  return current && current.id === next.id && current.seq > next.seq ? current : next;
}
