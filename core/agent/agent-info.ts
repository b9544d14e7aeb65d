/**
 * agent.json, the mark of a node store, and the schema-checked read of a store file: kept apart from
 * store.ts (init, TLS, signers) so that `agent verify --follow`, which a pusher starts on the node during
 * every SFTP upload, loads only what it needs.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { CoreError } from '../errors.js';
import { parseJson } from '../json.js';
import { storePaths } from './paths.js';
import { corrupt, notAStore, storeFileError } from './store-file.js';
import type { AgentInfo } from './states.js';

const agentInfoSchema = z.looseObject({
  format: z.number(),
  name: z.string(),
  createdAt: z.string(),
  keepStates: z.number().optional(),
}) satisfies z.ZodType<AgentInfo>;

/** A file of the store read through its schema; STORE_CORRUPT naming `what` and the problem otherwise. */
export async function readStoreJson<S extends z.ZodType>(
  store: string,
  file: string,
  schema: S,
  what: string,
  missing?: () => CoreError,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (missing && (e as NodeJS.ErrnoException).code === 'ENOENT') throw missing();
    throw storeFileError(store, file, e, `${what} unreadable`);
  }
  const parsed = parseJson(text, schema);
  if (!parsed.ok) throw corrupt(store, `${what}: ${parsed.problem}`);
  return parsed.data;
}

/** Reads agent.json; NOT_FOUND when DIR is not a node store. */
export async function readAgentInfo(store: string): Promise<AgentInfo> {
  return readStoreJson(store, storePaths(store).agentFile, agentInfoSchema, 'agent.json', () => notAStore(store));
}
