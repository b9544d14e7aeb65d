import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BenchContext } from '../run.js';

/** build/dist/build/bench/sections → build/renderer-dist */
const DIST = fileURLToPath(new URL('../../../../renderer-dist', import.meta.url));
/** Issue 5: the renderer bundle stays ≤ 250 KB gzip. */
const BUDGET = 250 * 1024;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

/** Bench section "renderer": raw and gzip size of what the app loads (npm run build:renderer output). */
export async function benchRenderer(ctx: BenchContext): Promise<void> {
  let all: string[];
  try {
    all = files(DIST);
  } catch {
    throw new Error(`${DIST} is missing; run npm run build:renderer`);
  }
  let raw = 0;
  let gz = 0;
  for (const f of all.filter((f) => /\.(js|css|html)$/.test(f))) {
    const bytes = readFileSync(f);
    const g = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += g;
    ctx.log(
      `renderer: ${f.slice(DIST.length + 1).padEnd(40)} ${(bytes.length / 1024).toFixed(1).padStart(7)} KB raw ${(g / 1024).toFixed(1).padStart(7)} KB gzip`,
    );
  }
  ctx.log(
    `renderer: total ${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzip (target ≤ ${BUDGET / 1024} KB gzip: ${gz <= BUDGET ? 'met' : 'NOT MET'})`,
  );
  if (gz > BUDGET) throw new Error(`renderer bundle ${(gz / 1024).toFixed(1)} KB gzip is over the ${BUDGET / 1024} KB budget`);
}
