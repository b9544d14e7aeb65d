/**
 * Shared bench helpers: medians, wall-clock timing of commands and in-process work, and peak RSS of a
 * command measured by GNU time (`/usr/bin/time -v`, "Maximum resident set size").
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from build/dist/build/bench/). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
/** The built CLI, as an admin runs it. */
export const CLI = join(REPO_ROOT, 'core', 'cli', 'bin.js');

/** The median (upper median for even counts). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export const mb = (bytes: number): number => bytes / 1024 / 1024;
export const fmt = (n: number, digits = 2): string => n.toFixed(digits);

/** Times an async function. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export interface CommandRun {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
  /** peak RSS in bytes, when run with `rss: true` */
  rss?: number;
  /** user + system CPU seconds, when run with `rss: true` (less sensitive to other load than wall time) */
  cpu?: number;
}

/** Runs a command to completion (stdout kept up to `keep` bytes), optionally under /usr/bin/time -v for peak RSS. */
function runCommand(
  cmd: string,
  args: string[],
  opts: { rss?: boolean; keep?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandRun> {
  const keep = opts.keep ?? 1 << 20;
  const [file, argv] = opts.rss ? ['/usr/bin/time', ['-v', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < keep) stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      resolve({
        ms,
        code: code ?? -1,
        stdout,
        stderr,
        ...(m ? { rss: Number(m[1]) * 1024 } : {}),
        ...(user && sys ? { cpu: Number(user[1]) + Number(sys[1]) } : {}),
      });
    });
  });
}

/** Runs a command and throws with its stderr if it fails. */
export async function mustRun(cmd: string, args: string[], opts: { rss?: boolean; keep?: number } = {}): Promise<CommandRun> {
  const r = await runCommand(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}

/** "PASS"/"FAIL" against a target. */
export const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
