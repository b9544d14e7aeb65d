/**
 * The CLI as one CommonJS file for Node's single-executable applications (SEA runs one CJS script
 * whose `require` sees only Node's built-in modules). esbuild bundles the TypeScript sources with
 * every dependency; the lazily imported command groups become lazy modules inside the file.
 * What cannot be in the file is refused at build time, never discovered on a node:
 *  - any esbuild warning is an error (a dynamic require, `import.meta` use, a missing module);
 *  - ssh2's optional native addons (cpu-features, sshcrypto.node) are replaced by modules that throw,
 *    which ssh2 catches and then uses its pure-JavaScript code;
 *  - the `ui` command is replaced by ./ui-stub.ts (the UI's files are not in the executable);
 *  - the bundle-check worker (core/bundle/isolated-worker.ts) is bundled on its own first and its source
 *    takes the place of core/bundle/worker-script.ts, so the worker thread runs from memory (`eval`).
 */
import { build, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BundleResult {
  file: string;
  bytes: number;
  sha256: string;
}

function kitPlugin(root: string, version: string | undefined, workerSource?: string): Plugin {
  return {
    name: 'posture-stage-kit',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/ui\.js$/ }, (args) =>
        args.importer.endsWith(join('core', 'cli', 'main.ts')) ? { path: join(root, 'build', 'kit', 'ui-stub.ts') } : undefined,
      );
      b.onResolve({ filter: /^cpu-features$|\.node$/ }, (args) => ({ path: args.path, namespace: 'kit-absent' }));
      b.onLoad({ filter: /.*/, namespace: 'kit-absent' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is a native addon, not part of the single executable`)});`,
        loader: 'js',
      }));
      if (workerSource !== undefined)
        b.onLoad({ filter: /[\\/]core[\\/]bundle[\\/]worker-script\.ts$/ }, () => ({
          contents: `export function workerScript() { return { kind: 'source', code: ${JSON.stringify(workerSource)} }; }`,
          loader: 'ts',
        }));
      if (version !== undefined)
        b.onLoad({ filter: /[\\/]core[\\/]version\.ts$/ }, () => ({
          contents: `export const VERSION = ${JSON.stringify(version)};`,
          loader: 'ts',
        }));
    },
  };
}

/** esbuild options shared by the CLI and its worker: one CJS file for Node 20, nothing external. */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
} as const;

function refuseWarnings(what: string, warnings: Array<{ text: string; location: { file: string; line: number } | null }>): void {
  if (warnings.length === 0) return;
  const text = warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`).join('\n');
  throw new Error(`${what} cannot be bundled into the executable as it is:\n${text}`);
}

/** The bundle-check worker as one CommonJS source, run by the bundled CLI with `eval` (see the module comment). */
async function bundleWorker(root: string, outfile: string, version?: string): Promise<string> {
  const worker = await build({
    ...common,
    absWorkingDir: root,
    entryPoints: [join(root, 'core', 'bundle', 'isolated-worker.ts')],
    write: false,
    outfile: `${outfile}.worker.js`,
    plugins: [kitPlugin(root, version)],
  });
  refuseWarnings('the bundle-check worker', worker.warnings);
  const workerSource = worker.outputFiles[0]?.text;
  if (workerSource === undefined) throw new Error('esbuild gave no output for the bundle-check worker');
  return workerSource;
}

/** Bundles the CLI from `root` into `outfile`; `version` overrides core/version.ts (tests of upgrades). */
export async function bundleCli(root: string, outfile: string, version?: string): Promise<BundleResult> {
  const workerSource = await bundleWorker(root, outfile, version);
  const r = await build({
    ...common,
    absWorkingDir: root,
    entryPoints: [join(root, 'build', 'kit', 'entry.ts')],
    outfile,
    plugins: [kitPlugin(root, version, workerSource)],
  });
  refuseWarnings('the CLI', r.warnings);
  const data = await readFile(outfile);
  return { file: outfile, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * The CLI for the npm `bin` (build/cli/bundle.ts): the same sources and replacements as the executable's
 * bundle, but as ES modules split at the lazily imported command groups, so a command loads the entry
 * chunk and its own group only (`--version` none). Bundled CommonJS dependencies get `require`,
 * `__filename` and `__dirname` from each chunk's own URL.
 */
export async function bundleCliModules(root: string, outdir: string): Promise<BundleResult> {
  const workerSource = await bundleWorker(root, join(outdir, 'worker.js'));
  const r = await build({
    ...common,
    format: 'esm',
    splitting: true,
    absWorkingDir: root,
    entryPoints: { 'posture-stage': join(root, 'build', 'kit', 'entry.ts') },
    outdir,
    banner: {
      js: [
        "import { createRequire as __psRequire } from 'node:module';",
        "import { fileURLToPath as __psPath } from 'node:url';",
        "import { dirname as __psDir } from 'node:path';",
        'const require = __psRequire(import.meta.url);',
        'const __filename = __psPath(import.meta.url);',
        'const __dirname = __psDir(__filename);',
      ].join('\n'),
    },
    metafile: true,
    plugins: [kitPlugin(root, undefined, workerSource)],
  });
  refuseWarnings('the CLI', r.warnings);
  const file = join(outdir, 'posture-stage.js');
  const data = await readFile(file);
  const bytes = Object.values(r.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { file, bytes, sha256: createHash('sha256').update(data).digest('hex') };
}
