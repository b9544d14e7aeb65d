/**
 * The node agent's public API (owned by the agent module; signatures used by the CLI, transfer and the app).
 */
import type { NodeContentState } from '../bundle/types.js';
import { CoreError } from '../errors.js';

export * from './types.js';

/** What a store holds, for `diff --store DIR` and `GET /api/v1/content` (to be implemented). */
export async function readNodeContent(store: string): Promise<NodeContentState> {
  void store;
  throw new CoreError('INTERNAL', 'readNodeContent: not implemented yet');
}
