/**
 * Bench section "startup": the cold start of the CLI as npm installs it (core/cli/bin.js, which runs the
 * bundle build:core made): `--version` (target ≤ 0.15 s) and `inspect --json` of a small bundle (target
 * ≤ 0.2 s), beside `node -e 0` in the same run — the floor no command can go below.
 */
import { join } from 'node:path';
import type { BenchContext } from '../run.js';
import { CLI, fmt, loadLine, mb, median, mustRun, verdict } from '../util.js';

const RUNS = 11;

/** Runs the section and prints its figures. */
export async function benchStartup(ctx: BenchContext): Promise<void> {
  const small = join(ctx.dir, 'small.zip');
  await mustRun(process.execPath, [CLI, 'sample', '--out', small, '--scale', '0.01']);
  ctx.log(loadLine());
  const cases: Array<[string, string[], number | null]> = [
    ['node -e 0', ['-e', '0'], null],
    ['--version', [CLI, '--version'], 150],
    ['--help', [CLI, '--help'], null],
    ['inspect small', [CLI, 'inspect', small, '--json'], 200],
  ];
  const times = new Map<string, number[]>(cases.map(([label]) => [label, []]));
  const rss = new Map<string, number>();
  // round-robin, so a burst of load on the machine hits every case alike
  for (let i = 0; i < RUNS; i++) {
    for (const [label, args] of cases) {
      const r = await mustRun(process.execPath, args, { rss: i === 0, keep: 1024 });
      times.get(label)!.push(r.ms);
      if (r.rss) rss.set(label, r.rss);
    }
  }
  const floor = median(times.get('node -e 0')!);
  for (const [label, , target] of cases) {
    const ms = median(times.get(label)!);
    // the target is a time; the ratio to it (≤ 1.00 passes) and to bare node say how far each is
    const verdictText = target === null ? '' : `ratio to target ${fmt(ms / target)} (target ≤ ${target} ms) ${verdict(ms <= target)}`;
    ctx.log(
      `cold start ${label.padEnd(14)} median ${fmt(ms, 0).padStart(5)} ms (${fmt(ms / floor)}× node, +${fmt(ms - floor, 0)} ms) RSS ${fmt(mb(rss.get(label) ?? 0), 0)} MB ${verdictText}`,
    );
  }
  ctx.log(loadLine());
}
