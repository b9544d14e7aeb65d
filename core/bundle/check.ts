import type { CheckedBundle, CheckOptions, OpenedBundle } from './index.js';
import type { Inspection } from './types.js';
import { CoreError } from '../errors.js';

/** Every check of the spec; throws the first refusal as a CoreError (to be implemented). */
export async function checkBundle(input: Uint8Array | string | OpenedBundle, opts: CheckOptions = {}): Promise<CheckedBundle> {
  void input; void opts;
  throw new CoreError('INTERNAL', 'checkBundle: not implemented yet');
}

/** checkBundle, returning only the inspection model. */
export async function inspectBundle(input: Uint8Array | string | OpenedBundle, opts: CheckOptions = {}): Promise<Inspection> {
  return (await checkBundle(input, opts)).inspection;
}
