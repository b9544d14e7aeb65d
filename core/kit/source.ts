/**
 * Where `agent package` takes a kit from, in this order:
 *  1. `from`: a kit folder (what `npm run dist:agent` wrote, or a kit copied from media);
 *  2. running as the kit's own executable: the folder it sits in, when that folder is its kit;
 *  3. a developer clone: the kit builder (build/kit), which reuses build/dist-agent/kit when its
 *     sources are unchanged and otherwise builds it on the spot with the devDependencies.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isSea } from 'node:sea';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { parseJson } from '../json.js';
import { KIT_MANIFEST, type KitArch } from './manifest.js';

/** Where the kit builder writes in a clone (git-ignored). */
export const CLONE_KIT_DIR = join('build', 'dist-agent', 'kit');
const BUILDER = join('build', 'dist', 'build', 'kit', 'dist-agent.js');

/** A build step reported by the builder (one JSON line each on its stdout with --progress-json). */
const buildProgressSchema = z.object({ step: z.string().max(40), message: z.string().max(500) });
export type BuildProgress = z.infer<typeof buildProgressSchema>;

/** The one field of a package.json that tells our clone from another project. */
const packageName = z.object({ name: z.string() });

/** True inside the single executable (no sources, no builder). */
function runningAsExecutable(): boolean {
  return isSea();
}

/** The developer clone the running CLI belongs to, or null (inside the executable, or an installed copy). */
export function findSourceRoot(start: string | undefined = process.argv[1]): string | null {
  if (runningAsExecutable() || !start) return null;
  let dir: string;
  try {
    dir = dirname(realpathSync(start));
  } catch {
    return null;
  }
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'build', 'kit'))) {
      try {
        const parsed = parseJson(readFileSync(pkg, 'utf8'), packageName);
        if (parsed.ok && parsed.data.name === 'posture-stage') return dir;
      } catch {
        // not ours: keep looking upwards
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The kit folder next to the running executable, when it is one. */
export function kitBesideExecutable(): string | null {
  if (!runningAsExecutable()) return null;
  const dir = dirname(process.execPath);
  return existsSync(join(dir, KIT_MANIFEST)) ? dir : null;
}

/**
 * Runs the clone's kit builder (`npm run dist:agent` without the final signing) for `arches` and
 * returns the kit folder. The builder reuses an up-to-date kit, so this is quick when nothing changed.
 */
export async function buildKitInClone(
  root: string,
  opts: { arches?: KitArch[]; onProgress?: (p: BuildProgress) => void; signal?: AbortSignal } = {},
): Promise<string> {
  const builder = join(root, BUILDER);
  if (!existsSync(builder))
    throw new CoreError('NOT_FOUND', `The kit builder is not compiled in ${root}. Run \`npm run build:core\` there, then try again.`, {
      root,
    });
  const args = [builder, '--progress-json', ...(opts.arches ?? []).flatMap((a) => ['--arch', a])];
  // ELECTRON_RUN_AS_NODE: the desktop app calls this too, and its execPath is Electron's
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const p = parseJson(line, buildProgressSchema);
      if (p.ok) opts.onProgress?.(p.data);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const code = await new Promise<number>((res, rej) => {
    child.on('error', (e) => rej(e.name === 'AbortError' ? new CoreError('CANCELLED', 'Building the node kit was cancelled.') : e));
    child.on('close', (c) => res(c ?? 1));
  });
  if (code !== 0)
    throw new CoreError(
      'INTERNAL',
      `Building the node kit failed: ${stderr.trim().split('\n').slice(-3).join(' ') || `exit ${code}`}. Run \`npm run dist:agent\` in ${root} to see why (it needs the devDependencies: npm install).`,
      { root, exitCode: code },
    );
  return join(root, CLONE_KIT_DIR);
}
