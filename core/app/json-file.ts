/** Small JSON files under the data folder, written atomically (temp file + rename) so a crash never leaves half a file. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { CoreError, toCoreError } from '../errors.js';
import { fileError } from '../file-errors.js';
import { parseJson } from '../json.js';

/** Reads `file` through `schema`, or `fallback` when it does not exist yet; STORE_CORRUPT naming the problem otherwise. */
export function readJson<S extends z.ZodType>(file: string, schema: S, fallback: z.output<S>): z.output<S> {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw fileError(e, file, 'The file', () => toCoreError(e));
  }
  const parsed = parseJson(raw, schema);
  if (!parsed.ok) {
    const what = parsed.syntax ? 'is not valid JSON' : `does not hold what this version expects (${parsed.problem})`;
    throw new CoreError('STORE_CORRUPT', `${file} ${what}. Restore it from a backup or delete it to start over.`, {
      file,
      problem: parsed.problem,
    });
  }
  return parsed.data;
}

/** Writes `value` to `file` atomically (mode 0600: it may hold sealed secrets). */
export function writeJson(file: string, value: unknown): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    throw fileError(e, file, 'The file', () => toCoreError(e), 'write');
  }
}
