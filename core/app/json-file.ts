/** Small JSON files under the data folder, written atomically (temp file + rename) so a crash never leaves half a file. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CoreError } from '../errors.js';

/** Reads `file` as JSON, or `fallback` when it does not exist yet. */
export function readJson<T>(file: string, fallback: T): T {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw e;
  }
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new CoreError('STORE_CORRUPT', `${file} is not valid JSON. Restore it from a backup or delete it to start over.`, { file });
  }
}

/** Writes `value` to `file` atomically (mode 0600: it may hold sealed secrets). */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
