/**
 * `npm run build:core` (and so `npm run build`, which `posture-stage` runs itself on its first run in a fresh
 * clone: `npm install` runs no scripts, see .npmrc) ends here: the CLI bundled by esbuild
 * into build/dist/cli/ (posture-stage.js and a chunk per command group), which core/cli/bin.js runs
 * when it is at least as new as the compiled tree (cold start, issue 11: a few files instead of a few
 * hundred modules resolved and loaded, and only the named command's group). The sources and
 * replacements are the node kit's (build/kit/bundle.ts); only `ui` (not in the bundle) runs from the
 * compiled tree.
 */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCliModules } from '../kit/bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const outdir = join(root, 'build', 'dist', 'cli');
const t = performance.now();
// old chunks (their names carry content hashes) would otherwise pile up
await rm(outdir, { recursive: true, force: true });
const r = await bundleCliModules(root, outdir);
process.stdout.write(
  `CLI bundled into build/dist/cli (${(r.bytes / 1024 / 1024).toFixed(1)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
);
