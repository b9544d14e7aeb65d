/**
 * The Electron main process: lifecycle only. Hardening lives in hardening.ts, the IPC gate in ipc.ts,
 * behaviour in the application layer core/app (shared with `posture-stage ui`).
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { METHODS } from '../../core/app/contract.js';
import { APP_ORIGIN, createMainWindow, hardenApp, hardenSession, isSafeExternal } from './hardening.js';
import { registerIpc } from './ipc.js';
import { registerSchemePrivileges, serveRenderer } from './protocol.js';
import { createContext, createHandlers, dataHome, FeedSchedule, fileSecretBox } from '../../core/app/index.js';
import { safeStorageBox } from './safe-storage.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** build/dist/electron/main → build/renderer-dist */
const RENDERER_DIR = here('../../../renderer-dist');
// CommonJS output (electron/preload/package.json): a sandboxed preload runs as a plain script
const PRELOAD = here('../preload/index.js');

/** The native file picker's title per purpose (core/app FilePurpose). */
const FILE_TITLES = {
  'signing-key': 'Your signing key (OpenSSH Ed25519 private key)',
  'trusted-key': "The trusted signer's public key (or an allowed_signers file)",
  'ssh-key': 'The SSH private key that logs in to the node',
} as const;

registerSchemePrivileges(protocol);
hardenApp(app, openExternal);

async function openExternal(url: string): Promise<void> {
  if (isSafeExternal(url)) await shell.openExternal(url);
}

async function main(): Promise<void> {
  await app.whenReady();
  hardenSession(session.defaultSession);
  serveRenderer(protocol, RENDERER_DIR);
  const home = dataHome();
  const ctx = createContext({
    home,
    shell: 'electron',
    secrets: safeStorageBox(safeStorage) ?? fileSecretBox(home),
    chooseDirectory: async () => {
      const r = await dialog.showOpenDialog({ properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    chooseFile: async (purpose) => {
      const ssh = join(homedir(), '.ssh');
      const r = await dialog.showOpenDialog({
        title: FILE_TITLES[purpose],
        properties: ['openFile', 'showHiddenFiles'],
        ...(existsSync(ssh) ? { defaultPath: ssh } : {}),
      });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  const schedule = new FeedSchedule(ctx);
  const unregister = registerIpc(ipcMain, { handlers: createHandlers(ctx, { onSettingsSaved: () => schedule.restart() }), jobs: ctx.jobs });
  schedule.restart();
  app.on('window-all-closed', () => {
    unregister();
    schedule.stop();
    void ctx.dispose().finally(() => app.quit());
  });
  // its web contents is hardened on creation (hardenApp: 'web-contents-created')
  const win = createMainWindow(BrowserWindow, PRELOAD, METHODS);
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  win.once('ready-to-show', () => win.show());
  await win.loadURL(`${APP_ORIGIN}/index.html`);
}

// One instance: a second one must not start its own handlers, lab node and schedule over the same
// data folder; it hands over to the running window and quits (app.quit alone would still run main).
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  main().catch((e: unknown) => {
    console.error(e);
    app.exit(1);
  });
}
