/**
 * Fetch through an enterprise proxy set in Settings: a real tinyproxy (e2e/peers) with BasicAuth in
 * front of a local HTTPS update feed. The download must go through the proxy's CONNECT — proven
 * from tinyproxy's own log — and the proxy password is kept sealed, never in the settings file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, go, shot, startBundleFeed } from './fixtures.js';
import { startTinyproxy, type FeedServer, type Tinyproxy } from './peers/index.js';
import { writeBundle } from '../core/bundle/index.js';

const PROXY_PASSWORD = 'pr0xy-s3cret';
let feed: FeedServer;
let proxy: Tinyproxy;
let bundle: Uint8Array;

test.beforeEach(async () => {
  bundle = await writeBundle({ seed: 13, scale: 2 });
  feed = await startBundleFeed(bundle);
  proxy = await startTinyproxy({ basicAuth: { user: 'isefeed', password: PROXY_PASSWORD } });
});

test.afterEach(async () => {
  await proxy.stop();
  await feed.stop();
});

test("fetches through the proxy set in Settings (CONNECT in tinyproxy's log), password kept sealed", async ({ app: page, home }) => {
  await go(page, 'Settings');
  await page.getByLabel('Feed URL').fill(`${feed.origin}/posture-update.xml`);
  await page.getByLabel('Extra trusted CA certificates (PEM)').fill(feed.caCert);
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Proxy' }) });
  await section.getByLabel('Address').fill('127.0.0.1');
  await section.getByRole('spinbutton', { name: 'Port' }).fill(String(proxy.port));
  await section.getByLabel('User').fill('isefeed');
  await section.getByLabel('Password').fill(PROXY_PASSWORD);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('Settings saved.');
  await shot(page, '20-settings-proxy');

  await go(page, 'Library');
  await page.getByRole('button', { name: 'Fetch now' }).click();
  const panel = page.getByTestId('fetch-panel');
  await expect(panel).toContainText('done', { timeout: 60_000 });
  await expect(page.getByTestId('library')).toContainText('300418.0.0.0');

  // the proxy carried it: tinyproxy logged the CONNECT to the feed, and the feed saw the requests
  expect(proxy.log()).toMatch(new RegExp(`CONNECT.*127\\.0\\.0\\.1:${feed.port}`));
  expect(feed.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/posture-update.xml', '/posture-offline.zip']));
  // the proxy password is sealed at rest: in no file of the data folder in clear
  for (const f of readdirSync(home, { recursive: true, withFileTypes: true })) {
    if (f.isFile())
      expect(readFileSync(join(f.parentPath, f.name)).includes(PROXY_PASSWORD), `${f.name} holds the proxy password`).toBe(false);
  }
});
