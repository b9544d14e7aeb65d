/**
 * The small JSON files of the node store that admins change from the CLI while the agent may be serving
 * (tokens.json, signers.json). Read through a zod schema: a damaged or hand-edited file is STORE_CORRUPT,
 * never a crash or a silently empty list. Changed under a lock file (proper-lockfile) so two
 * `agent token add` at once never lose one, and written durably (temp file, fsync, rename).
 */
import { readFile, stat } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import type { z } from 'zod';
import { CoreError } from '../errors.js';
import { fileError, isPermissionError, permissionDenied } from '../file-errors.js';
import { writeFileAtomic } from '../durable.js';
import { parseJson } from '../json.js';
import { storePaths } from './paths.js';

/** NOT_FOUND for a directory that is not a node store. */
export function notAStore(store: string): CoreError {
  return new CoreError(
    'NOT_FOUND',
    `${store} is not a node store (no agent.json). Create one with \`posture-stage agent init --store ${store}\`.`,
    {
      store,
    },
  );
}

/** Throws NOT_FOUND unless `store` is a node store (before touching any of its files). */
export async function requireStore(store: string): Promise<void> {
  const file = storePaths(store).agentFile;
  const ok = await stat(file).then(
    (s) => s.isFile(),
    (e: unknown) => {
      if (isPermissionError(e)) throw permissionDenied(file, 'The node store file', 'read', e);
      return false;
    },
  );
  if (!ok) throw notAStore(store);
}

/** STORE_CORRUPT naming what could not be read and what to do. */
export function corrupt(store: string, what: string, cause?: unknown): CoreError {
  return new CoreError(
    'STORE_CORRUPT',
    `The node store ${store} cannot be read (${what}). Restore the store directory from a backup, or create a new one with \`posture-stage agent init --store DIR\` and apply the bundle again.`,
    { store, problem: what },
    { cause },
  );
}

/** The error for a store file that could not be read: PERMISSION_DENIED when the OS refused, else STORE_CORRUPT. */
export function storeFileError(store: string, file: string, e: unknown, what: string): CoreError {
  return fileError(e, file, 'The node store file', () => corrupt(store, what, e));
}

/** The parsed file, or null when it does not exist. */
export async function readStoreFile<S extends z.ZodType>(store: string, file: string, schema: S): Promise<z.infer<S> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw storeFileError(store, file, e, `${file} unreadable`);
  }
  const parsed = parseJson(text, schema);
  if (!parsed.ok) throw corrupt(store, `${file}: ${parsed.problem}`);
  return parsed.data;
}

/**
 * Reads `file` (or `initial()` when absent), lets `change` compute the next content and a result, and
 * writes it back atomically with `mode`, all under the file's lock. `change` throws to change nothing.
 */
export async function updateStoreFile<S extends z.ZodType, R>(
  store: string,
  file: string,
  schema: S,
  initial: () => Promise<z.infer<S>>,
  change: (current: z.infer<S>) => Promise<{ next: z.infer<S>; result: R }> | { next: z.infer<S>; result: R },
  mode = 0o600,
): Promise<R> {
  await requireStore(store);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, { realpath: false, stale: 10_000, retries: { retries: 20, minTimeout: 20, maxTimeout: 200 } });
  } catch (e) {
    throw new CoreError('APPLY_BUSY', `Another change to ${file} is in progress. Try again in a moment.`, { file }, { cause: e });
  }
  try {
    const current = (await readStoreFile(store, file, schema)) ?? (await initial());
    const { next, result } = await change(current);
    await writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n', mode);
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
