import { join } from 'node:path';
import type { BenchContext } from '../run.js';
import { CLI, REPO_ROOT, fmt, mb, median, mustRun, verdict } from '../util.js';
import { buildKit } from '../../kit/build.js';

const RUNS = 11;
/** Issue 13: the self-contained executable starts no slower than 1.5× the CLI on an installed Node. */
const TARGET_RATIO = 1.5;

/**
 * Bench section "kit": sizes of the node kit (built or reused by the kit builder) and the cold start
 * of its executable (`--version`, `agent status`) beside the same commands through `node core/cli/bin.js`.
 */
export async function benchKit(ctx: BenchContext): Promise<void> {
  const kit = await buildKit({ root: REPO_ROOT, onProgress: (_s, m) => ctx.log(`  (kit) ${m}`) });
  ctx.log(`kit ${kit.manifest.version} ${kit.reused ? 'reused' : `built in ${fmt(kit.seconds, 1)} s`}: ${kit.dir}`);
  for (const a of kit.manifest.artifacts) ctx.log(`  ${a.file.padEnd(42)} ${fmt(mb(a.size), 1).padStart(6)} MB`);
  const exe = kit.manifest.artifacts.find((a) => a.kind === 'executable' && a.arch === process.arch);
  if (!exe) throw new Error(`the kit has no executable for ${process.arch}`);
  const bin = join(kit.dir, exe.file);

  const store = join(ctx.dir, 'kit-store');
  await mustRun(bin, ['agent', 'init', '--store', store]);
  const cases: Array<[string, string[]]> = [
    ['--version', ['--version']],
    ['agent status', ['agent', 'status', '--store', store, '--json']],
  ];
  for (const [label, args] of cases) {
    const times = async (cmd: string, argv: string[]) => {
      const ms: number[] = [];
      let rss = 0;
      for (let i = 0; i < RUNS; i++) {
        const r = await mustRun(cmd, argv, { rss: i === 0 });
        ms.push(r.ms);
        if (r.rss) rss = r.rss;
      }
      return { ms: median(ms), rss };
    };
    const sea = await times(bin, args);
    const node = await times(process.execPath, [CLI, ...args]);
    const ratio = sea.ms / node.ms;
    ctx.log(
      `cold start ${label.padEnd(13)} executable ${fmt(sea.ms, 0)} ms (RSS ${fmt(mb(sea.rss), 0)} MB)   node core/cli/bin.js ${fmt(node.ms, 0)} ms (RSS ${fmt(mb(node.rss), 0)} MB)   ratio ${fmt(ratio)} (target ≤ ${TARGET_RATIO}) ${verdict(ratio <= TARGET_RATIO)}`,
    );
  }
}
