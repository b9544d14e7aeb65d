/**
 * Bench section "inspect": writes `sample --scale 100` (≈100 MB) into ctx.bundle with the built CLI (its
 * time and peak RSS are printed: the writer streams), then times `posture-stage inspect --json` against
 * `unzip -tq` + `sha256sum` of the same file in the same run (paired runs, medians) with peak RSS by
 * /usr/bin/time -v. Targets (issue 11): time ratio ≤ 0.90; peak RSS ≤ 150 MB.
 * BENCH_SCALE overrides the scale (for quick runs while developing).
 */
import { stat } from 'node:fs/promises';
import type { BenchContext } from '../run.js';
import { CLI, fmt, loadLine, mb, median, mustRun, paired, secondsWithRuns, verdict } from '../util.js';

const RUNS = 5;
const TIME_TARGET = 0.9;
const RSS_TARGET = 150 * 1024 * 1024;

/** Runs the section and prints its figures. */
export async function benchInspect(ctx: BenchContext): Promise<void> {
  const scale = process.env.BENCH_SCALE ?? '100';
  const made = await mustRun(process.execPath, [CLI, 'sample', '--out', ctx.bundle, '--scale', scale, '--json'], { rss: true });
  const size = (await stat(ctx.bundle)).size;
  ctx.log(
    `sample --scale ${scale}: ${fmt(mb(size), 1)} MB in ${fmt(made.ms / 1000)} s (peak RSS ${fmt(mb(made.rss ?? 0), 0)} MB; streamed)`,
  );
  ctx.log(loadLine());

  const inspect = async () => {
    const r = await mustRun(process.execPath, [CLI, 'inspect', ctx.bundle, '--json'], { rss: true, keep: 1024 });
    if (!r.stdout.startsWith('{"ok":true')) throw new Error(`inspect did not succeed: ${r.stdout.slice(0, 300)}`);
    return r;
  };
  const tools = async () => {
    const u = await mustRun('unzip', ['-tq', ctx.bundle], { rss: true });
    const s = await mustRun('sha256sum', [ctx.bundle], { rss: true });
    return { ms: u.ms + s.ms, cpu: (u.cpu ?? NaN) + (s.cpu ?? NaN) };
  };
  const { a: ours, b: base } = await paired(RUNS, inspect, tools);
  const t = median(ours.map((r) => r.ms));
  const b = median(base.map((r) => r.ms));
  const ratio = t / b;
  const peak = median(ours.map((r) => r.rss ?? NaN));
  const cpuOurs = median(ours.map((r) => r.cpu ?? NaN));
  const cpuBase = median(base.map((r) => r.cpu));
  ctx.log(`inspect --json:          median ${secondsWithRuns(ours.map((r) => r.ms))}`);
  ctx.log(`unzip -tq + sha256sum:   median ${secondsWithRuns(base.map((r) => r.ms))}`);
  ctx.log(`inspect time ratio:      ${fmt(ratio)}  (target ≤ ${fmt(TIME_TARGET)}) ${verdict(ratio <= TIME_TARGET)}`);
  ctx.log(
    `CPU (user+sys) median:   inspect ${fmt(cpuOurs)} s on three threads (parse; inflate with CRC-32 and SHA-256; whole-file SHA-256), unzip+sha256sum ${fmt(cpuBase)} s, ratio ${fmt(cpuOurs / cpuBase)}`,
  );
  ctx.log(
    `inspect peak RSS:        ${fmt(mb(peak), 0)} MB for ${fmt(mb(size), 0)} MB  (target ≤ ${fmt(mb(RSS_TARGET), 0)} MB) ${verdict(peak <= RSS_TARGET)}`,
  );
  ctx.log(loadLine());
}
