/**
 * Small helpers shared by the test peers: free loopback ports, waiting for a port, stopping by PID.
 * Plain async functions (no test framework) so vitest tests and Playwright e2e both use them.
 */
import { createServer, connect } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** A TCP port that was free on 127.0.0.1 a moment ago (for daemons that cannot bind port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after timeoutMs or if the child exits. */
async function waitForPort(port: number, child?: ChildProcess, timeoutMs = 10_000, output?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`peer exited with code ${child.exitCode} before listening on ${port}: ${output?.() ?? ''}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms: ${output?.() ?? ''}`);
}

/** Kills `child` if this process exits first (a crashed test must not leave daemons behind). */
export function killOnExit(child: ChildProcess): () => void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return () => process.removeListener('exit', kill);
}

/** Stops a child by its PID (SIGTERM, then SIGKILL after graceMs) and waits for it to exit. */
export async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export interface Daemon {
  child: ChildProcess;
  port: number;
  /** everything it printed on stdout and stderr so far */
  output: () => string;
}

/**
 * Starts a foreground daemon on a free loopback port: `configure(port)` writes its config and returns the
 * command line. A port taken in the meantime means another try on another port; after the last failure
 * `dir` is removed and the error (with the daemon's output) is thrown.
 */
export async function startDaemon(dir: string, configure: (port: number) => [command: string, args: string[]]): Promise<Daemon> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const [command, args] = configure(port);
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const forget = killOnExit(child);
    child.once('exit', forget);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    try {
      await waitForPort(port, child, 10_000, () => output);
      return { child, port, output: () => output };
    } catch (e) {
      await stopChild(child);
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
}
