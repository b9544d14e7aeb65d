/**
 * Library: fetch from a local HTTPS update feed (private CA added in Settings, Atom feed → zip) with
 * progress; an older bundle then shows as stale; a hostile zip is refused with its code and reason.
 */
import { test, expect, go, shot, startBundleFeed } from './fixtures.js';
import type { FeedServer } from './peers/index.js';
import { writeBundle } from '../core/bundle/index.js';
import { parentPath } from '../core/bundle/fixtures/container.js';

let feed: FeedServer;
let bundle: Uint8Array;

test.beforeEach(async () => {
  bundle = await writeBundle({ seed: 3, scale: 4 });
  feed = await startBundleFeed(bundle);
});

test.afterEach(async () => {
  await feed.stop();
});

test('fetches from the update feed with progress, marks the older bundle stale', async ({ app: page }) => {
  // an older bundle is already in the library
  await go(page, 'Library');
  const older = await writeBundle({
    seed: 3,
    versions: {
      conditions: '280052.0.0.0',
      avasWindows: '263.0.0.0',
      avasMac: '181.0.0.0',
      avasLinux: '33.0.0.0',
      supportedOs: '84.6.2.0',
    },
  });
  await page
    .getByTestId('import-file')
    .setInputFiles({ name: 'posture-offline-old.zip', mimeType: 'application/zip', buffer: Buffer.from(older) });
  await expect(page.getByTestId('library')).toContainText('280052.0.0.0');

  // Settings: our feed and its private CA
  await go(page, 'Settings');
  await page.getByLabel('Feed URL').fill(`${feed.origin}/posture-update.xml`);
  await page.getByLabel('Extra trusted CA certificates (PEM)').fill(feed.caCert);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('Settings saved.');

  await go(page, 'Library');
  await page.getByRole('button', { name: 'Fetch now' }).click();
  const panel = page.getByTestId('fetch-panel');
  await expect(panel).toContainText('done', { timeout: 60_000 });
  const progress = panel.getByTestId('progress');
  await expect(progress).toHaveAttribute('aria-valuenow', String(bundle.length));
  await expect(progress).toContainText('(100%)');
  await expect(page.getByTestId('library')).toContainText('300418.0.0.0');
  await expect(page.getByTestId('library').locator('tr', { hasText: '280052.0.0.0' })).toContainText('stale');
  await expect(page.getByTestId('stale-warning')).toBeVisible();
  await shot(page, '14-library-fetched');
  expect(feed.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/posture-update.xml', '/posture-offline.zip']));

  await go(page, 'Activity');
  await expect(page.getByTestId('activity').locator('tr', { hasText: 'fetched' })).toContainText('success');
});

test('refuses a hostile bundle with its code and a plain-language reason', async ({ app: page, home }) => {
  await go(page, 'Library');
  await page
    .getByTestId('import-file')
    .setInputFiles({ name: 'posture-offline.zip', mimeType: 'application/zip', buffer: Buffer.from(parentPath()) });
  const error = page.getByTestId('error');
  await expect(error.getByTestId('error-code')).toHaveText('ZIP_UNSAFE_PATH');
  await expect(error.getByTestId('error-message')).toContainText('..');
  await expect(error).toContainText('Bundle refused');
  await expect(page.getByTestId('library')).toHaveCount(0);
  await shot(page, '15-hostile-refused');
  await go(page, 'Activity');
  await expect(page.getByTestId('activity').locator('tr', { hasText: 'ZIP_UNSAFE_PATH' })).toContainText('refused');
  void home;
});
