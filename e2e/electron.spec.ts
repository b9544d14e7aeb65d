/**
 * The real desktop shell through Playwright's Electron driver: the hardened window loads app://renderer,
 * window.api exposes exactly the contract's methods, and the first-run flow works over IPC.
 * Runs where an Electron binary exists; here (ELECTRON_SKIP_BINARY_DOWNLOAD) it skips with its reason.
 */
import { _electron as electron, test, expect } from '@playwright/test';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fixtures.js';

function electronBinary(): { path?: string; reason?: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown as string;
    return existsSync(path) ? { path } : { reason: `the Electron binary ${path} is missing` };
  } catch (e) {
    return { reason: `no Electron binary here (${(e as Error).message.split('\n')[0]}); the same UI is covered through posture-stage ui` };
  }
}

/** What the page's global scope may (api) and must not (require, process) have. */
type PageGlobals = { api: object; require?: unknown; process?: unknown };

const binary = electronBinary();
const main = join(ROOT, 'build', 'dist', 'electron', 'main', 'index.js');

test('the Electron app opens hardened and walks first run over IPC', async () => {
  test.skip(!binary.path, binary.reason ?? '');
  test.skip(!existsSync(main), 'run `npm run build` first');
  const home = mkdtempSync(join(tmpdir(), 'ps-electron-'));
  const app = await electron.launch({ executablePath: binary.path, args: [main], env: { ...process.env, POSTURE_STAGE_HOME: home } });
  try {
    const page = await app.firstWindow();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    expect(page.url()).toMatch(/^app:\/\/renderer\//);
    const methods = await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).api).sort());
    expect(methods).toContain('startPush');
    // no Node.js in the page: contextIsolation + sandbox + nodeIntegration off
    expect(await page.evaluate(() => typeof (globalThis as unknown as PageGlobals).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as unknown as PageGlobals).process)).toBe('undefined');
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    await page.getByTestId('try-locally').click();
    await expect(page.getByTestId('update-info').locator('[data-version="conditions"]')).toHaveText('300418.0.0.0');
    // navigation away from app:// is denied
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://127.0.0.1:9/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^app:\/\/renderer\//);
    // the app icon is the page's favicon, served by the protocol; nothing was logged as an error
    await page.reload();
    const icon = await page.evaluate(async () => {
      const href = (globalThis as unknown as { document: { querySelector(s: string): { href: string } | null } }).document.querySelector(
        'link[rel="icon"]',
      )?.href;
      return href ? (await fetch(href)).headers.get('content-type') : null;
    });
    expect(icon).toBe('image/svg+xml');
    expect(consoleErrors).toEqual([]);
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
});
