/**
 * Test support: runs the CLI in this process and captures what it prints (stdout, stderr, exit code).
 * Used by the command tests; kept out of the product's code paths.
 */
import { vi } from 'vitest';
import { main } from './main.js';

/** `posture-stage …argv` in-process: the exit code and everything written to stdout and stderr. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  process.exitCode = undefined;
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    vi.restoreAllMocks();
  }
}
