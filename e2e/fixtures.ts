/**
 * E2E fixtures (STYLE.md model 8): each test gets its own data folder (POSTURE_STAGE_HOME) and its own
 * `posture-stage ui` process on a free loopback port, signed in through the one-time URL; the UI's
 * stderr is attached to the test on failure. Peers (sshd, feed) are started by the tests themselves.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { atomFeed, startFeedServer, stopChild, type FeedServer } from './peers/index.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'core', 'cli', 'bin.js');
const SHOTS = join(ROOT, 'e2e', 'screenshots');

export interface UiProcess {
  url: string;
  home: string;
  child: ChildProcess;
  stderr: () => string;
}

/** Starts `posture-stage ui --json --no-open` with its own data folder; resolves with the sign-in URL. */
export async function startUi(home: string): Promise<UiProcess> {
  const child = spawn(process.execPath, [CLI, 'ui', '--json', '--no-open', '--listen', '127.0.0.1:0'], {
    env: { ...process.env, POSTURE_STAGE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`posture-stage ui did not start: ${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || !line) return;
      clearTimeout(timer);
      const doc = JSON.parse(line) as { ok: boolean; url?: string; error?: unknown };
      if (doc.ok && doc.url) resolve(doc.url);
      else reject(new Error(`posture-stage ui refused to start: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`posture-stage ui exited with ${code}: ${err}`)));
  });
  return { url, home, child, stderr: () => err };
}

/** A local HTTPS update feed (e2e/peers) publishing `bundle` as posture-offline.zip in its Atom feed, with its SHA-256. */
export async function startBundleFeed(bundle: Uint8Array): Promise<FeedServer> {
  const sha256 = createHash('sha256').update(bundle).digest('hex');
  const feed = await startFeedServer();
  feed.setFile('/posture-offline.zip', { body: bundle, type: 'application/zip' });
  feed.setFile('/posture-update.xml', {
    body: atomFeed({ enclosure: `${feed.origin}/posture-offline.zip`, sha256, length: bundle.length }),
    type: 'application/atom+xml',
  });
  return feed;
}

/** Saves a screenshot of the current screen for the README (e2e/screenshots/NAME.png). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** Opens a main-menu screen by its button. */
export async function go(page: Page, screen: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: screen, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: screen })).toBeVisible();
}

export const test = base.extend<{ home: string; ui: UiProcess; app: Page }>({
  // eslint-disable-next-line no-empty-pattern
  home: async ({}, use) => {
    const home = mkdtempSync(join(tmpdir(), 'ps-e2e-home-'));
    await use(home);
    rmSync(home, { recursive: true, force: true });
  },
  ui: async ({ home }, use, testInfo) => {
    const ui = await startUi(home);
    await use(ui);
    await stopChild(ui.child);
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('ui-stderr', { body: ui.stderr(), contentType: 'text/plain' });
  },
  app: async ({ page, ui }, use) => {
    await page.goto(ui.url);
    await expect(page.getByText('Posture Stage').first()).toBeVisible();
    await use(page);
  },
});

export { expect };
