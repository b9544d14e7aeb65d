import type { BenchContext } from '../run.js';

/** Bench section "renderer" (to be implemented). */
export async function benchRenderer(ctx: BenchContext): Promise<void> {
  ctx.log('renderer: not measured yet');
}
