/**
 * `npm run bench`: speed and memory against the standard tools, measured in the same run.
 * Each section prints its own figures and ratios; targets are printed next to them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchInspect } from './sections/inspect.js';
import { benchApply } from './sections/apply.js';
import { benchPush } from './sections/push.js';
import { benchRenderer } from './sections/renderer.js';
import { benchKit } from './sections/kit.js';
import { benchHostile } from './sections/hostile.js';
import { benchStartup } from './sections/startup.js';
import { benchScaling } from './sections/scaling.js';
import { loadLine } from './util.js';

export interface BenchContext {
  dir: string;
  /** the `sample --scale 100` bundle, written by the inspect section */
  bundle: string;
  log: (line: string) => void;
  /** `--large`: the scaling table's 1 GB row too (minutes; not in CI) */
  large: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'posture-bench-'));
const args = process.argv.slice(2);
const ctx: BenchContext = {
  dir,
  bundle: join(dir, 'posture-offline.zip'),
  log: (l) => process.stdout.write(l + '\n'),
  large: args.includes('--large'),
};
const only = args.filter((a) => !a.startsWith('--'));
const sections: Array<[string, (c: BenchContext) => Promise<void>]> = [
  ['inspect', benchInspect],
  ['apply', benchApply],
  ['push', benchPush],
  ['startup', benchStartup],
  ['scaling', benchScaling],
  ['renderer', benchRenderer],
  ['kit', benchKit],
  ['hostile', benchHostile],
];
let failed = false;
ctx.log(`bench: ${loadLine()} (a shared machine: every ratio compares both sides measured in this run)`);
try {
  for (const [name, section] of sections) {
    if (only.length > 0 && !only.includes(name) && name !== 'inspect') continue;
    ctx.log(`\n== ${name} ==`);
    try {
      await section(ctx);
    } catch (e) {
      failed = true;
      ctx.log(`${name}: FAILED ${(e as Error).stack ?? String(e)}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
