/** Checklist items that are pure decisions: who may call, what may open externally, webPreferences. */
import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { App, BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';
import { createMainWindow, hardenApp, isAppUrl, isSafeExternal, isTrustedSender } from './hardening.js';

describe('hardening', () => {
  it('trusts only the main frame of app://renderer', () => {
    expect(isTrustedSender({ url: 'app://renderer/index.html', parent: null })).toBe(true);
    expect(isTrustedSender({ url: 'app://renderer/index.html', parent: {} })).toBe(false);
    expect(isTrustedSender({ url: 'app://renderer.evil/x', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'app://user:pw@renderer/', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isAppUrl('file:///app/index.html')).toBe(false);
  });

  it('opens only credential-free https links externally', () => {
    expect(isSafeExternal('https://www.cisco.com/')).toBe(true);
    for (const u of [
      'http://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://u:p@example.com/',
      'not a url',
    ])
      expect(isSafeExternal(u)).toBe(false);
  });

  it('keeps sandbox and isolation on and node off', () => {
    // BrowserWindow faked at the edge: we only record the options it is constructed with
    let seen: BrowserWindowConstructorOptions | undefined;
    const FakeWindow = class {
      constructor(o: BrowserWindowConstructorOptions) {
        seen = o;
      }
    } as unknown as typeof BrowserWindow;
    createMainWindow(FakeWindow, '/x/preload.js', ['appInfo', 'listLibrary']);
    const p = seen?.webPreferences;
    expect(p).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
    expect(p?.additionalArguments).toEqual(['--posture-stage-api=appInfo,listLibrary']);
  });

  it('limits every web contents the app creates: navigation, redirects, webviews, new windows', () => {
    // app and WebContents faked at their edge: emitters that record the window-open handler
    const app = new EventEmitter();
    const opened: string[] = [];
    hardenApp(app as unknown as App, async (url) => void opened.push(url));
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: (h: typeof openHandler) => void (openHandler = h) });
    app.emit('web-contents-created', {}, contents as unknown as WebContents);
    const prevented = (name: string, url?: string) => {
      let stopped = false;
      contents.emit(name, { preventDefault: () => void (stopped = true) }, url);
      return stopped;
    };
    expect(prevented('will-navigate', 'https://evil.example/')).toBe(true);
    expect(prevented('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(prevented('will-redirect', 'http://127.0.0.1:8080/')).toBe(true);
    expect(prevented('will-navigate', 'app://renderer/index.html')).toBe(false);
    expect(prevented('will-attach-webview')).toBe(true);
    for (const url of ['https://www.cisco.com/', 'http://example.com/', 'file:///etc/passwd'])
      expect(openHandler?.({ url })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://www.cisco.com/']);
  });
});
