import type { OpenedBundle, ReadOptions } from './index.js';
import { CoreError } from '../errors.js';

/** Opens a zip and runs the container checks (to be implemented). */
export async function readBundle(input: Uint8Array | string, opts: ReadOptions = {}): Promise<OpenedBundle> {
  void input; void opts;
  throw new CoreError('INTERNAL', 'readBundle: not implemented yet');
}
