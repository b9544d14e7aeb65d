/**
 * Every hardening of the Electron shell in one place, checked against Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security) item by item. Fuses (item 19-ish:
 * "Use Electron fuses") are set in build/electron-builder.config.cjs.
 */
import type { App, BrowserWindow, Session, WebContents } from 'electron';

/** Our renderer's origin: a custom protocol, never file:// (checklist #18 "Avoid usage of the file:// protocol"). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The one window, with its webPreferences written out literally so a static checker (electronegativity) sees each. */
export function createMainWindow(Window: typeof BrowserWindow, preload: string, apiMethods: readonly string[]): BrowserWindow {
  return new Window({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    title: 'Posture Stage',
    show: false,
    webPreferences: {
      preload,
      // #1 Only load secure content: only app://renderer is ever loaded (see hardenContents).
      // #2 Do not enable Node.js integration for remote content (nor for ours).
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      // #3 Enable context isolation.
      contextIsolation: true,
      // #4 Enable process sandboxing.
      sandbox: true,
      // #6 Do not disable webSecurity.
      webSecurity: true,
      // #8 Do not enable allowRunningInsecureContent.
      allowRunningInsecureContent: false,
      // #9 Do not enable experimental features. #10 Do not use enableBlinkFeatures.
      experimentalFeatures: false,
      // middle-click must not open windows (electronegativity AUXCLICK_JS_CHECK)
      disableBlinkFeatures: 'Auxclick',
      // #11 <webview>: not used, and refused in hardenContents.
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: process.env.POSTURE_STAGE_DEVTOOLS === '1',
      // The preload builds window.api from the contract's method names (a sandboxed preload cannot require our files).
      additionalArguments: [apiArgument(apiMethods)],
    },
  });
}

/** The argument that carries the contract's method names to the preload. */
function apiArgument(apiMethods: readonly string[]): string {
  return `--posture-stage-api=${apiMethods.join(',')}`;
}

/** #5 Handle session permission requests (deny all) and #7 CSP (set by the protocol handler, see protocol.ts). */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // Only the reports the UI offers (blob: URLs of our own page) may be saved, through the OS save dialog.
  session.on('will-download', (event, item) => {
    if (!item.getURL().startsWith(`blob:${APP_ORIGIN}/`)) event.preventDefault();
  });
}

/** #13 Disable or limit navigation, #14 limit creation of new windows, #12 verify webview options. */
function hardenContents(contents: WebContents, openExternal: (url: string) => Promise<void>): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // #15 Do not use shell.openExternal with untrusted content: https links only, in the system browser.
    if (isSafeExternal(url)) void openExternal(url);
    return { action: 'deny' };
  });
}

/** openExternal is limited to https URLs without credentials. */
export function isSafeExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * App-wide: every web contents ever created (the window's, and any other) gets the navigation, window
 * and webview limits of hardenContents (checklist #13/#14 advise doing it here). #16 use a current
 * Electron (package.json); no remote module (#17, gone since v14).
 */
export function hardenApp(app: Pick<App, 'on'>, openExternal: (url: string) => Promise<void>): void {
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, openExternal));
}

/**
 * #17 Validate the sender of all IPC messages: the frame must be our main frame on app://renderer.
 * Arguments are then parsed against the contract's zod schemas (dispatch.ts).
 */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  if (!frame || frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

/** Whether a URL is ours (compared by scheme and host: WHATWG gives custom schemes an opaque "null" origin). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
