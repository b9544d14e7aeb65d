/**
 * `posture-stage ui [--listen 127.0.0.1:PORT] [--no-open]` (interfaces.md): serves the desktop app's
 * UI and handlers over HTTP on loopback with a one-time token in the URL. The host is part of the
 * application layer (core/app), which the Electron shell uses too: both serve one handler table.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { runCommand } from '../io.js';
import { parseListen, startUiSession, type UiSession } from '../../app/index.js';

/** Opens the URL in the user's browser; failures are ignored (the URL is printed anyway). */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    /* no browser here: the printed URL is enough */
  }
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** Registers `ui`. */
export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description("serve the desktop app's UI on loopback for a browser (SSH tunnels, tests); stops on Ctrl-C")
    .option('--listen <host:port>', 'loopback address to listen on (default 127.0.0.1 and a free port)')
    .option('--no-open', 'do not open a browser')
    .option('--json', 'JSON output')
    .action(async (opts: { listen?: string; open: boolean; json?: boolean }) => {
      let session: UiSession | null = null;
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { host, port } = parseListen(opts.listen);
        session = await startUiSession({ host, port });
        if (opts.open) openBrowser(session.url);
        return { data: { url: session.url }, human: `Posture Stage UI: ${session.url}\n(the link works once; stop with Ctrl-C)` };
      });
      if (session) {
        await waitForSignal();
        await (session as UiSession).close();
      }
    });
}
