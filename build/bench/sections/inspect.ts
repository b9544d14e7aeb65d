import type { BenchContext } from '../run.js';

/** Bench section "inspect" (to be implemented). */
export async function benchInspect(ctx: BenchContext): Promise<void> {
  ctx.log('inspect: not measured yet');
}
