/**
 * "Automatically check for updates starting from initial delay HH MM SS every N hours" (seed, Posture
 * Updates page), for the desktop app: runs a check after the initial delay, then every N hours; one
 * check at a time; errors are reported, never thrown out of the timer.
 */
export interface ScheduleOptions {
  initialDelayMs: number;
  intervalHours: number;
}

/** Calls `check` on a schedule; `stop()` cancels the next run (a running check finishes). */
export class FeedScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  /** when the next check is due (ms since epoch), or null when stopped */
  nextRunAt: number | null = null;
  lastRunAt: number | null = null;
  lastError: unknown = null;

  constructor(
    private readonly check: () => Promise<unknown>,
    private readonly opts: ScheduleOptions,
    private readonly onResult: (r: { ok: boolean; value?: unknown; error?: unknown }) => void = () => {},
  ) {
    if (!(opts.intervalHours > 0)) throw new RangeError('intervalHours must be > 0');
  }

  start(): void {
    this.stopped = false;
    this.arm(Math.max(0, this.opts.initialDelayMs));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRunAt = null;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.nextRunAt = Date.now() + ms;
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref?.();
  }

  /** Runs one check now (skipped if one is running) and re-arms the interval. */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const value = await this.check();
      this.lastError = null;
      this.onResult({ ok: true, value });
    } catch (error) {
      this.lastError = error;
      this.onResult({ ok: false, error });
    } finally {
      this.running = false;
      this.lastRunAt = Date.now();
      this.arm(this.opts.intervalHours * 3_600_000);
    }
  }
}
