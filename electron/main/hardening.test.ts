/** Checklist items that are pure decisions: who may call, what may open externally, webPreferences. */
import { describe, expect, it } from 'vitest';
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { createMainWindow, isAppUrl, isSafeExternal, isTrustedSender } from './hardening.js';

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
    for (const u of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://u:p@example.com/', 'not a url']) expect(isSafeExternal(u)).toBe(false);
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
    expect(p).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
    expect(p?.additionalArguments).toEqual(['--posture-stage-api=appInfo,listLibrary']);
  });
});
