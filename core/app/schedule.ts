/** "Automatically check for updates" from Settings, on core/feed's FeedScheduler; results land in Activity. */
import { FeedScheduler } from '../feed/index.js';
import type { HandlerContext } from './handlers/context.js';
import { feedOptions, runFetch } from './handlers/fetch.js';

export class FeedSchedule {
  #scheduler: FeedScheduler | null = null;
  constructor(private readonly ctx: HandlerContext) {}

  /** Re-reads Settings and re-arms (or stops) the check. */
  restart(): void {
    this.stop();
    const { schedule } = this.ctx.settings.get();
    if (!schedule.enabled) return;
    this.#scheduler = new FeedScheduler(async () => runFetch(this.ctx, await feedOptions(this.ctx)), {
      initialDelayMs: schedule.initialDelayMinutes * 60_000,
      intervalHours: schedule.everyHours,
    });
    this.#scheduler.start();
  }

  stop(): void {
    this.#scheduler?.stop();
    this.#scheduler = null;
  }
}
