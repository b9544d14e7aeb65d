/**
 * Bench section "hostile": every hostile class of core/security/hostile.ts that scales, built at the
 * bound's 10 MB (the whitespace-padded ones also at 1.2 and 2 MB, the sizes issue 8 reported), each run
 * once through `posture-stage inspect --json` in a child process, then the slowest run twice more.
 * Bound (issue 8): any input ≤ 10 MB finishes inspect in ≤ 5 s and ≤ 300 MB peak RSS.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../run.js';
import { fmt, mb, median, verdict } from '../util.js';
import { HOSTILE, MB } from '../../../core/security/hostile.js';
import { measureInspect, type Measured } from '../../../core/security/measure.js';

const TIME_BOUND_MS = 5_000;
const RSS_BOUND = 300 * MB;

/** Runs the section and prints its figures. */
export async function benchHostile(ctx: BenchContext): Promise<void> {
  const runs: Array<{ label: string; file: string; m: Measured }> = [];
  for (const h of HOSTILE.filter((x) => x.scales || x.name === 'many tiny entries')) {
    for (const size of h.sizes ?? (h.scales ? [10 * MB] : [0])) {
      const zip = await h.build(size);
      const label = `${h.name} @ ${fmt(mb(zip.length), 1)} MB`;
      const file = join(ctx.dir, `hostile-${runs.length}.zip`);
      await writeFile(file, zip);
      const m = await measureInspect(file);
      const answer = m.json?.ok ? 'ok' : (m.json?.error?.code ?? 'no JSON');
      ctx.log(`${fmt(m.ms / 1000)} s  ${fmt(mb(m.peakRss), 0).padStart(4)} MB  ${label} → ${answer}`);
      runs.push({ label, file, m });
    }
  }
  const slowest = runs.reduce((a, b) => (b.m.ms > a.m.ms ? b : a));
  const again = [slowest.m, await measureInspect(slowest.file), await measureInspect(slowest.file)];
  const t = median(again.map((r) => r.ms));
  const rss = median(again.map((r) => r.peakRss));
  const heaviest = runs.reduce((a, b) => (b.m.peakRss > a.m.peakRss ? b : a));
  ctx.log(
    `slowest hostile input:   ${slowest.label}: median ${fmt(t / 1000)} s (runs: ${again.map((r) => fmt(r.ms / 1000)).join(', ')}), peak RSS ${fmt(mb(rss), 0)} MB (bound ≤ 5 s, ≤ 300 MB) ${verdict(t <= TIME_BOUND_MS && rss <= RSS_BOUND)}`,
  );
  ctx.log(
    `highest peak RSS:        ${heaviest.label}: ${fmt(mb(heaviest.m.peakRss), 0)} MB (bound ≤ 300 MB) ${verdict(heaviest.m.peakRss <= RSS_BOUND)}`,
  );
}
