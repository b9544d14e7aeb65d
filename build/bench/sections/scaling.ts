/**
 * Bench section "scaling": time and peak RSS of `posture-stage inspect` and `posture-stage agent apply`
 * (first apply, fresh store) at 10 MB and 100 MB — and 1 GB with `npm run bench -- --large` (not in
 * CI: writing it takes minutes) — each through the built CLI under /usr/bin/time, and the slope between
 * the smallest and the largest: how much each 100 MB of bundle adds.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../run.js';
import { CLI, fmt, loadLine, mb, median, mustRun, verdict } from '../util.js';

/** Issue 11: inspect's peak RSS stays under this at every bundle size (100 MB and 1 GB alike). */
const RSS_TARGET = 150 * 1024 * 1024;

interface Row {
  label: string;
  size: number;
  inspectMs: number;
  inspectRss: number;
  applyMs: number;
  applyRss: number;
}

async function measure(ctx: BenchContext, label: string, file: string, runs: number): Promise<Row> {
  const size = (await stat(file)).size;
  const inspect: Array<{ ms: number; rss: number }> = [];
  const apply: Array<{ ms: number; rss: number }> = [];
  for (let i = 0; i < runs; i++) {
    const r = await mustRun(process.execPath, [CLI, 'inspect', file, '--json'], { rss: true, keep: 64 });
    inspect.push({ ms: r.ms, rss: r.rss ?? NaN });
    const store = join(ctx.dir, `scaling-${label}-${i}`);
    await mustRun(process.execPath, [CLI, 'agent', 'init', '--store', store, '--json']);
    const a = await mustRun(process.execPath, [CLI, 'agent', 'apply', '--store', store, file, '--json'], { rss: true, keep: 4096 });
    if (!a.stdout.includes('"ok":true')) throw new Error(`agent apply failed at ${label}: ${a.stdout.slice(0, 300)}`);
    apply.push({ ms: a.ms, rss: a.rss ?? NaN });
    await rm(store, { recursive: true, force: true });
  }
  return {
    label,
    size,
    inspectMs: median(inspect.map((x) => x.ms)),
    inspectRss: median(inspect.map((x) => x.rss)),
    applyMs: median(apply.map((x) => x.ms)),
    applyRss: median(apply.map((x) => x.rss)),
  };
}

/** Runs the section and prints the table. */
export async function benchScaling(ctx: BenchContext): Promise<void> {
  ctx.log(loadLine());
  const rows: Row[] = [];
  const small = join(ctx.dir, 'scale-10.zip');
  await mustRun(process.execPath, [CLI, 'sample', '--out', small, '--scale', '10']);
  rows.push(await measure(ctx, '10 MB', small, 3));
  rows.push(await measure(ctx, '100 MB', ctx.bundle, 3));
  if (ctx.large) {
    const big = join(ctx.dir, 'scale-1000.zip');
    const made = await mustRun(process.execPath, [CLI, 'sample', '--out', big, '--scale', '1000', '--json'], { rss: true });
    ctx.log(
      `sample --scale 1000: ${fmt(mb((await stat(big)).size), 0)} MB in ${fmt(made.ms / 1000, 1)} s, peak RSS ${fmt(mb(made.rss ?? 0), 0)} MB`,
    );
    rows.push(await measure(ctx, '1 GB', big, 1));
    await rm(big, { force: true });
  } else ctx.log('(1 GB row: npm run bench -- --large)');
  ctx.log('bundle    size      inspect time  inspect RSS   apply time  apply RSS');
  for (const r of rows)
    ctx.log(
      `${r.label.padEnd(8)} ${fmt(mb(r.size), 0).padStart(6)} MB  ${fmt(r.inspectMs / 1000).padStart(9)} s  ${fmt(mb(r.inspectRss), 0).padStart(8)} MB  ${fmt(r.applyMs / 1000).padStart(9)} s  ${fmt(mb(r.applyRss), 0).padStart(6)} MB`,
    );
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const per100 = (x: number, y: number): number => ((y - x) / (mb(last.size) - mb(first.size))) * 100;
  ctx.log(
    `slope per 100 MB of bundle (${first.label} → ${last.label}): inspect +${fmt(per100(first.inspectMs, last.inspectMs) / 1000)} s, ${fmt(mb(per100(first.inspectRss, last.inspectRss)), 1)} MB RSS · apply +${fmt(per100(first.applyMs, last.applyMs) / 1000)} s, ${fmt(mb(per100(first.applyRss, last.applyRss)), 1)} MB RSS`,
  );
  const heaviest = Math.max(...rows.map((r) => r.inspectRss));
  ctx.log(
    `memory flat: inspect peak RSS ${rows.map((r) => `${fmt(mb(r.inspectRss), 0)} MB at ${r.label}`).join(', ')}; ${last.label}/${first.label} ${fmt(last.inspectRss / first.inspectRss)}× for ${fmt(last.size / first.size, 0)}× the bytes (target ≤ ${fmt(mb(RSS_TARGET), 0)} MB at every size) ${verdict(heaviest <= RSS_TARGET)}`,
  );
  ctx.log(loadLine());
}
