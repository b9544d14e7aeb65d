/**
 * History of every apply attempt, rollback and policy change (`GET /api/v1/history`), one JSON line
 * each in history.jsonl. Appends only; a line torn by a crash is skipped when reading.
 *
 * Chained by hash (issue 8 §6): each line carries `prev`, the SHA-256 (hex) of the exact bytes of the line
 * before it (without its newline), or HISTORY_GENESIS on the first line, so a line changed, removed or
 * inserted breaks the link of the line after it; `agent history --verify` names the first broken link.
 * A history written before chaining keeps its lines as they are: the chain starts at the first line that
 * has `prev` (which links to the last unchained line); lines before it are reported as unchained, and
 * after it every line must be linked. Links alone do not stop someone who rewrites the whole file: the
 * verification also reports `head` (the last line's SHA-256), for an admin to note and compare later.
 */
import { open, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { HistoryEntry } from './types.js';
import { storePaths } from './paths.js';
import { iseTime } from './log.js';
import { parseJsonLines } from '../jsonl.js';
import { historyEntrySchema, historyLinkSchema } from './schemas.js';
import { corrupt, storeFileError } from './store-file.js';

/** `prev` of the first line of a history. */
export const HISTORY_GENESIS = '0'.repeat(64);

const NL = 0x0a;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The last non-empty line of an open file (read backwards in chunks) and whether the file ends mid-line. */
async function lastLine(fh: import('node:fs/promises').FileHandle, size: number): Promise<{ line: Buffer | null; torn: boolean }> {
  if (size === 0) return { line: null, torn: false };
  let end = size;
  let tail = Buffer.alloc(0);
  let torn: boolean | null = null;
  while (end > 0 || tail.length > 0) {
    const start = Math.max(0, end - 64 * 1024);
    const chunk = Buffer.alloc(end - start);
    await fh.read(chunk, 0, chunk.length, start);
    tail = Buffer.concat([chunk, tail]);
    end = start;
    if (torn === null) torn = tail[tail.length - 1] !== NL;
    // drop trailing newlines (and blank lines) before looking for the line's start
    let stop = tail.length;
    while (stop > 0 && tail[stop - 1] === NL) stop--;
    if (stop === 0) {
      if (end === 0) return { line: null, torn: false };
      tail = Buffer.alloc(0);
      continue;
    }
    const from = tail.lastIndexOf(NL, stop - 1);
    if (from >= 0 || end === 0) return { line: tail.subarray(from + 1, stop), torn: torn ?? false };
  }
  return { line: null, torn: false };
}

/** Appends one entry linked to the line before it, and fsyncs it, so an answered request is on disk. Call under the apply lock. */
export async function appendHistory(store: string, entry: HistoryEntry): Promise<void> {
  const fh = await open(storePaths(store).history, 'a+', 0o644);
  try {
    const { size } = await fh.stat();
    const { line, torn } = await lastLine(fh, size);
    const { prev: _ignored, ...rest } = entry;
    const text = JSON.stringify({ ...rest, prev: line ? sha256(line) : HISTORY_GENESIS });
    // after a line torn by a crash, start on a fresh line (the torn bytes stay: the link covers them)
    await fh.appendFile((torn ? '\n' : '') + text + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Every entry, newest first (without the chain links). */
export async function readHistory(store: string): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await readFile(storePaths(store).history, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storeFileError(store, storePaths(store).history, e, 'history.jsonl unreadable');
  }
  return parseJsonLines(text, historyEntrySchema, (line, problem) => corrupt(store, `history.jsonl line ${line}: ${problem}`))
    .map(({ prev: _prev, ...entry }) => entry)
    .reverse();
}

/** `agent history --verify --json`: `{"ok", …HistoryVerification}`; exit 2 when `broken`. */
export interface HistoryVerification {
  /** non-empty lines in history.jsonl */
  lines: number;
  /** lines carrying a link */
  chained: number;
  /** lines before the first linked one (a history written before chaining) */
  unchained: number;
  /** line numbers (1-based) of lines torn by a crash: not entries, but covered by the next line's link */
  torn: number[];
  /** SHA-256 of the last line: note it to detect a rewrite of the whole file later */
  head: string | null;
  /** the first broken link: the line whose `prev` does not match, what it should be, what it is */
  broken?: { line: number; expected: string; got: string | null };
}

/** Walks the chain from the first line and reports the first broken link. */
export async function verifyHistory(store: string): Promise<HistoryVerification> {
  let bytes: Buffer;
  try {
    bytes = await readFile(storePaths(store).history);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: 0, chained: 0, unchained: 0, torn: [], head: null };
    throw e;
  }
  const out: HistoryVerification = { lines: 0, chained: 0, unchained: 0, torn: [], head: null };
  let previous: string | null = null;
  let started = false;
  let lineNo = 0;
  for (let pos = 0; pos < bytes.length;) {
    const nl = bytes.indexOf(NL, pos);
    const end = nl < 0 ? bytes.length : nl;
    const line = bytes.subarray(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.length === 0) continue;
    out.lines++;
    let doc: unknown;
    try {
      doc = JSON.parse(line.toString('utf8'));
    } catch {
      doc = undefined;
    }
    const link = historyLinkSchema.safeParse(doc).data?.prev;
    if (doc === undefined) out.torn.push(lineNo);
    else if (typeof link === 'string' || started) {
      const expected = previous ?? HISTORY_GENESIS;
      const got = typeof link === 'string' ? link : null;
      if (got !== expected && !out.broken) out.broken = { line: lineNo, expected, got };
      started = true;
      out.chained++;
    } else out.unchained++;
    previous = sha256(line);
  }
  return { ...out, head: previous };
}

/** ISE's "Last update status since ISE was started" text for one attempt. */
export function statusText(entry: Pick<HistoryEntry, 'at' | 'result' | 'error'>): string {
  const at = iseTime(new Date(entry.at));
  if (entry.result === 'success') return `Last update attempt at ${at} was successful`;
  return `Last update attempt at ${at} failed${entry.error ? `: ${entry.error.code} (${entry.error.message})` : ''}`;
}
