/**
 * History of every apply attempt, rollback and policy change (`GET /api/v1/history`), one JSON line
 * each in history.jsonl. Appends only; a line torn by a crash is skipped when reading.
 */
import { open, readFile } from 'node:fs/promises';
import type { HistoryEntry } from './types.js';
import { storePaths } from './paths.js';
import { iseTime } from './log.js';
import { parseJsonLines } from '../jsonl.js';

/** Appends one entry and fsyncs it, so an answered request is on disk. */
export async function appendHistory(store: string, entry: HistoryEntry): Promise<void> {
  const fh = await open(storePaths(store).history, 'a', 0o644);
  try {
    // a leading newline would be needed only after a torn line; JSON.parse skips empty lines anyway
    await fh.appendFile(JSON.stringify(entry) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Every entry, newest first. */
export async function readHistory(store: string): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await readFile(storePaths(store).history, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseJsonLines<HistoryEntry>(text).reverse();
}

/** ISE's "Last update status since ISE was started" text for one attempt. */
export function statusText(entry: Pick<HistoryEntry, 'at' | 'result' | 'error'>): string {
  const at = iseTime(new Date(entry.at));
  if (entry.result === 'success') return `Last update attempt at ${at} was successful`;
  return `Last update attempt at ${at} failed${entry.error ? `: ${entry.error.code} (${entry.error.message})` : ''}`;
}
