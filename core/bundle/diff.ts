import type { CheckedBundle } from './index.js';
import type { BundleDiff, NodeContentState } from './types.js';
import { CoreError } from '../errors.js';

/** Numeric, field by field comparison of four-part versions: <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** What applying `next` over `old` changes (to be implemented). */
export function diffBundles(old: CheckedBundle, next: CheckedBundle): BundleDiff {
  void old; void next;
  throw new CoreError('INTERNAL', 'diffBundles: not implemented yet');
}

/** What applying `next` to a node holding `state` changes (to be implemented). */
export function diffAgainstState(state: NodeContentState, next: CheckedBundle): BundleDiff {
  void state; void next;
  throw new CoreError('INTERNAL', 'diffAgainstState: not implemented yet');
}
