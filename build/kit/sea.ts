/**
 * Node's single-executable application (SEA, Node 20 docs "Single executable applications"): the
 * bundled CLI becomes a preparation blob (`node --experimental-sea-config`), which postject injects
 * into a copy of the Node binary as the NODE_SEA_BLOB resource, flipping the sentinel fuse.
 * The blob carries V8's code cache when it is made by a Node of the target CPU (natively, or under
 * qemu-user for the other one); otherwise it is made without (same behaviour, slower start).
 */
import { execFile } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { KitArch } from '../../core/kit/index.js';

const run = promisify(execFile);
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** How to run a binary of `arch` here: directly, under qemu-user, or not at all. */
export async function runnerFor(arch: KitArch): Promise<string[] | null> {
  if (arch === process.arch) return [];
  const qemu = arch === 'arm64' ? 'qemu-aarch64-static' : 'qemu-x86_64-static';
  const sysroot = arch === 'arm64' ? '/usr/aarch64-linux-gnu' : '/usr/x86_64-linux-gnu';
  try {
    await run('sh', ['-c', `command -v ${qemu} && test -d ${sysroot}`]);
    return [qemu, '-L', sysroot];
  } catch {
    return null;
  }
}

/** Runs `binary args…` for `arch` (through qemu-user when needed). */
export async function runFor(arch: KitArch, binary: string, args: string[], opts: { cwd?: string } = {}) {
  const runner = await runnerFor(arch);
  if (runner === null) throw new Error(`cannot run ${arch} binaries here (install qemu-user-static and the ${arch} C library)`);
  const [cmd, ...pre] = [...runner, binary];
  return run(cmd!, [...pre, ...args], { maxBuffer: 16 << 20, ...opts });
}

/** Makes `out` from the Node binary `node` (of `arch`) and the bundled CommonJS file `script`. */
export async function makeExecutable(opts: { arch: KitArch; node: string; script: string; out: string }): Promise<{ codeCache: boolean }> {
  const work = dirname(opts.script);
  const blob = join(work, 'sea-prep.blob');
  const codeCache = (await runnerFor(opts.arch)) !== null;
  const config = join(work, 'sea-config.json');
  await writeFile(
    config,
    JSON.stringify({ main: basename(opts.script), output: basename(blob), disableExperimentalSEAWarning: true, useCodeCache: codeCache }),
  );
  // the blob's code cache must come from the target CPU's V8, so it is made by that binary
  if (codeCache) await runFor(opts.arch, opts.node, ['--experimental-sea-config', basename(config)], { cwd: work });
  else await run(process.execPath, ['--experimental-sea-config', basename(config)], { cwd: work });
  await copyFile(opts.node, opts.out);
  const postject = join(dirname(createRequire(import.meta.url).resolve('postject')), 'cli.js');
  await run(process.execPath, [postject, opts.out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL_FUSE], { maxBuffer: 16 << 20 });
  return { codeCache };
}
