import type { BenchContext } from '../run.js';

/** Bench section "push" (to be implemented). */
export async function benchPush(ctx: BenchContext): Promise<void> {
  ctx.log('push: not measured yet');
}
