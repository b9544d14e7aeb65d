/**
 * The CLI as one CommonJS file for Node's single-executable applications (SEA runs one CJS script
 * whose `require` sees only Node's built-in modules). esbuild bundles the TypeScript sources with
 * every dependency; the lazily imported command groups become lazy modules inside the file.
 * What cannot be in the file is refused at build time, never discovered on a node:
 *  - any esbuild warning is an error (a dynamic require, `import.meta` use, a missing module);
 *  - ssh2's optional native addons (cpu-features, sshcrypto.node) are replaced by modules that throw,
 *    which ssh2 catches and then uses its pure-JavaScript code;
 *  - the `ui` command is replaced by ./ui-stub.ts (the UI's files are not in the executable).
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

function kitPlugin(root: string, version: string | undefined): Plugin {
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
      if (version !== undefined)
        b.onLoad({ filter: /[\\/]core[\\/]version\.ts$/ }, () => ({
          contents: `export const VERSION = ${JSON.stringify(version)};`,
          loader: 'ts',
        }));
    },
  };
}

/** Bundles the CLI from `root` into `outfile`; `version` overrides core/version.ts (tests of upgrades). */
export async function bundleCli(root: string, outfile: string, version?: string): Promise<BundleResult> {
  const r = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'build', 'kit', 'entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [kitPlugin(root, version)],
  });
  if (r.warnings.length > 0) {
    const text = r.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`).join('\n');
    throw new Error(`the CLI cannot be bundled into the executable as it is:\n${text}`);
  }
  const data = await readFile(outfile);
  return { file: outfile, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}
