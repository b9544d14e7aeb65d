/**
 * Runs the built CLI (`node core/cli/bin.js inspect --json FILE`) in a child process and measures what
 * the bound speaks of: wall time and peak RSS of that process (issue 8 §2: any input ≤ 10 MB finishes
 * `inspect` in ≤ 5 s and ≤ 300 MB RSS). Peak RSS comes from GNU time's %M (Debian package `time`,
 * installed by .ci/run), or, without it, from polling /proc/PID/status (VmHWM, the kernel's own peak).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO = fileURLToPath(new URL('../../', import.meta.url).href.replace(/\/build\/dist\/$/, '/'));
const GNU_TIME = '/usr/bin/time';

/** The part of `inspect --json` the suite looks at (interfaces.md). */
const InspectJson = z.looseObject({
  ok: z.boolean(),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  warnings: z.array(z.looseObject({ code: z.string() })).optional(),
});

export interface Measured {
  exitCode: number | null;
  /** the parsed --json document (null when stdout was not that JSON) */
  json: z.infer<typeof InspectJson> | null;
  ms: number;
  /** peak resident set size of the CLI process, in bytes */
  peakRss: number;
  stderr: string;
}

/** The repository root (this file runs from core/security/ in tests and from build/dist/core/security/ in the bench). */
export function repoRoot(): string {
  return REPO;
}

/** Runs `inspect --json file` with the built CLI and measures it. */
export async function measureInspect(file: string, timeoutMs = 120_000): Promise<Measured> {
  const bin = join(REPO, 'core', 'cli', 'bin.js');
  const useTime = existsSync(GNU_TIME);
  const dir = await mkdtemp(join(tmpdir(), 'ps-measure-'));
  const timeFile = join(dir, 'time.txt');
  const argv = useTime ? [GNU_TIME, '-o', timeFile, '-f', '%M', process.execPath, bin] : [process.execPath, bin];
  const started = performance.now();
  const child = spawn(argv[0] as string, [...argv.slice(1), 'inspect', '--json', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, POSTURE_STAGE_PROGRESS: '0' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let polled = 0;
  const poll = useTime
    ? null
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, 'utf8')
          .then((s) => {
            const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
            polled = Math.max(polled, kb * 1024);
          })
          .catch(() => undefined);
      }, 20);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ms = performance.now() - started;
  clearTimeout(timer);
  if (poll) clearInterval(poll);
  let peakRss = polled;
  if (useTime) {
    const text = await readFile(timeFile, 'utf8').catch(() => '');
    // GNU time prints "Command exited with non-zero status N" before the figure when the command fails
    const kb = Number(text.trim().split('\n').pop() ?? 0);
    peakRss = kb * 1024;
  }
  await rm(dir, { recursive: true, force: true });
  let json: Measured['json'] = null;
  try {
    const parsed = InspectJson.safeParse(JSON.parse(stdout));
    json = parsed.success ? parsed.data : null;
  } catch {
    json = null;
  }
  return { exitCode, json, ms, peakRss, stderr };
}
