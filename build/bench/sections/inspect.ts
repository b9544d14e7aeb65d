/**
 * Bench section "inspect": writes `sample --scale 100` (≈100 MB) into ctx.bundle with the built CLI,
 * then times `posture-stage inspect --json` against `unzip -tq` + `sha256sum` of the same file in the
 * same run (median of 3 each), and measures inspect's peak RSS with /usr/bin/time -v.
 * Targets: time ratio ≤ 1.5; peak RSS ≤ 1.5 × bundle size + 150 MB.
 * BENCH_SCALE overrides the scale (for quick runs while developing).
 */
import { stat } from 'node:fs/promises';
import type { BenchContext } from '../run.js';
import { CLI, fmt, mb, median, mustRun, verdict } from '../util.js';

const RUNS = 3;

/** Runs the section and prints its figures. */
export async function benchInspect(ctx: BenchContext): Promise<void> {
  const scale = process.env.BENCH_SCALE ?? '100';
  const made = await mustRun(process.execPath, [CLI, 'sample', '--out', ctx.bundle, '--scale', scale, '--json'], { rss: true });
  const size = (await stat(ctx.bundle)).size;
  ctx.log(`sample --scale ${scale}: ${fmt(mb(size), 1)} MB in ${fmt(made.ms / 1000)} s (peak RSS ${fmt(mb(made.rss ?? 0), 0)} MB)`);

  const ours: number[] = [];
  const rss: number[] = [];
  const base: number[] = [];
  const cpuOurs: number[] = [];
  const cpuBase: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // interleaved so both see the same machine load
    const r = await mustRun(process.execPath, [CLI, 'inspect', ctx.bundle, '--json'], { rss: true, keep: 1024 });
    if (!r.stdout.startsWith('{"ok":true')) throw new Error(`inspect did not succeed: ${r.stdout.slice(0, 300)}`);
    ours.push(r.ms);
    rss.push(r.rss ?? NaN);
    cpuOurs.push(r.cpu ?? NaN);
    const u = await mustRun('unzip', ['-tq', ctx.bundle], { rss: true });
    const s = await mustRun('sha256sum', [ctx.bundle], { rss: true });
    base.push(u.ms + s.ms);
    cpuBase.push((u.cpu ?? NaN) + (s.cpu ?? NaN));
  }
  const t = median(ours);
  const b = median(base);
  const ratio = t / b;
  const peak = median(rss);
  const rssTarget = 1.5 * size + 150 * 1024 * 1024;
  ctx.log(`inspect --json:          median ${fmt(t / 1000)} s  (runs: ${ours.map((x) => fmt(x / 1000)).join(', ')})`);
  ctx.log(`unzip -tq + sha256sum:   median ${fmt(b / 1000)} s  (runs: ${base.map((x) => fmt(x / 1000)).join(', ')})`);
  ctx.log(`time ratio:              ${fmt(ratio)}  (target ≤ 1.50) ${verdict(ratio <= 1.5)}`);
  ctx.log(
    `CPU (user+sys) median:   inspect ${fmt(median(cpuOurs))} s, unzip+sha256sum ${fmt(median(cpuBase))} s, ratio ${fmt(median(cpuOurs) / median(cpuBase))} (steadier than wall time on a busy machine)`,
  );
  ctx.log(
    `inspect peak RSS:        ${fmt(mb(peak), 0)} MB  (target ≤ ${fmt(mb(rssTarget), 0)} MB = 1.5 × ${fmt(mb(size), 0)} MB + 150 MB) ${verdict(peak <= rssTarget)}`,
  );
}
