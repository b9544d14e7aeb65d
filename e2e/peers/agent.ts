/**
 * A real node agent (`posture-stage agent init` + `agent serve`) on a free loopback port, its own store in a
 * temporary folder: an HTTPS staging node for the e2e, reached with its pinned certificate and token. The
 * store is read back with the CLI (`agent status|history --json`) to check what the node holds.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDaemon, stopChild } from './net.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../core/cli/bin.js', import.meta.url));

export interface Agent {
  origin: string;
  port: number;
  store: string;
  fingerprint: string;
  token: string;
  /** `agent <args…> --store STORE --json`, parsed */
  cli(...args: string[]): Promise<Record<string, unknown>>;
  /** the names in the store's inbox (an upload that never finished leaves nothing there) */
  inbox(): string[];
  stop(): Promise<void>;
}

/** Inits a store, optionally applies `preload` (a bundle file) to it, and serves it. */
export async function startAgent(opts: { name?: string; preload?: string } = {}): Promise<Agent> {
  const dir = mkdtempSync(join(tmpdir(), 'ps-agent-'));
  const store = join(dir, 'store');
  const cli = async (...args: string[]) =>
    JSON.parse((await run(process.execPath, [CLI, 'agent', ...args, '--store', store, '--json'])).stdout) as Record<string, unknown>;
  const init = await cli('init', '--name', opts.name ?? 'e2e-node');
  if (opts.preload) await cli('apply', opts.preload);
  const daemon = await startDaemon(dir, (port) => [
    process.execPath,
    [CLI, 'agent', 'serve', '--store', store, '--listen', `127.0.0.1:${port}`],
  ]);
  return {
    origin: `https://127.0.0.1:${daemon.port}`,
    port: daemon.port,
    store,
    fingerprint: String(init.fingerprint),
    token: readFileSync(String(init.tokenFile), 'utf8').trim(),
    cli,
    inbox: () => readdirSync(join(store, 'inbox')).sort(),
    async stop() {
      await stopChild(daemon.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
