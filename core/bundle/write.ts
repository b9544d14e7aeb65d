import type { SampleOptions } from './types.js';
import { CoreError } from '../errors.js';

/** Writes a realistic reference-layout bundle, deterministic per seed (to be implemented). */
export async function writeBundle(opts: SampleOptions = {}): Promise<Uint8Array> {
  void opts;
  throw new CoreError('INTERNAL', 'writeBundle: not implemented yet');
}
