import type { BenchContext } from '../run.js';

/** Bench section "apply" (to be implemented). */
export async function benchApply(ctx: BenchContext): Promise<void> {
  ctx.log('apply: not measured yet');
}
