/**
 * One `posture-stage ui` session: the handler context with file-based secrets (no OS keychain
 * outside Electron), the HTTP host, the automatic feed check from Settings, and a clean stop.
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CoreError } from '../errors.js';
import { createContext } from './handlers/context.js';
import { createHandlers } from './handlers/index.js';
import { fileSecretBox } from './secrets.js';
import { startUiHost } from './ui-host.js';
import { dataHome } from './paths.js';
import { FeedSchedule } from './schedule.js';

/** build/dist/core/app → build/renderer-dist (the same build the Electron protocol serves). */
function rendererDir(): string {
  return fileURLToPath(new URL('../../../renderer-dist', import.meta.url));
}

export interface UiSession {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the context and the host on loopback. */
export async function startUiSession(opts: { host: string; port: number; home?: string; staticDir?: string }): Promise<UiSession> {
  const staticDir = opts.staticDir ?? rendererDir();
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new CoreError('NOT_FOUND', `The UI is not built (${staticDir} has no index.html). Run \`npm run build:renderer\` first.`, {
      dir: staticDir,
    });
  }
  const home = opts.home ?? dataHome();
  const ctx = createContext({ home, shell: 'browser', secrets: fileSecretBox(home) });
  const schedule = new FeedSchedule(ctx);
  const handlers = createHandlers(ctx, { onSettingsSaved: () => schedule.restart() });
  schedule.restart();
  const host = await startUiHost({ backend: { handlers, jobs: ctx.jobs }, staticDir, host: opts.host, port: opts.port });
  return {
    url: host.url,
    port: host.port,
    async close() {
      schedule.stop();
      await host.close();
      await ctx.dispose();
    },
  };
}
