/**
 * Removable media (interfaces.md `library export` / `library import`) through the UI: the connected
 * workstation exports the bundle with its SSHSIG-signed transfer manifest to a folder; "the other side"
 * (another POSTURE_STAGE_HOME, another `posture-stage ui`) refuses a tampered manifest with
 * SIGNATURE_INVALID, leaving its library empty, then imports the genuine copy verified. The `ui` host
 * has no native folder picker, so paths are typed as an admin on a jump host would.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, go, shot, startUi, type UiProcess } from './fixtures.js';
import { stopChild } from './peers/index.js';
import { writeBundle } from '../core/bundle/index.js';

let keys: string;
let media: string;
let otherHome: string;
let other: UiProcess | undefined;

test.beforeEach(() => {
  keys = mkdtempSync(join(tmpdir(), 'ps-e2e-keys-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'admin@workstation', '-f', join(keys, 'id_ed25519')]);
  media = mkdtempSync(join(tmpdir(), 'ps-e2e-usb-'));
  otherHome = mkdtempSync(join(tmpdir(), 'ps-e2e-other-'));
});

// eslint-disable-next-line no-empty-pattern
test.afterEach(async ({}, testInfo) => {
  if (other) {
    await stopChild(other.child);
    if (testInfo.status !== testInfo.expectedStatus)
      await testInfo.attach('other-ui-stderr', { body: other.stderr(), contentType: 'text/plain' });
  }
  other = undefined;
  for (const d of [keys, media, otherHome]) rmSync(d, { recursive: true, force: true });
});

test('exports with a signed transfer manifest, refuses a tampered one on the other side, imports the genuine', async ({
  app: page,
  context,
}) => {
  // the connected side: a bundle in the library, exported to the "USB stick"
  await go(page, 'Library');
  await page
    .getByTestId('import-file')
    .setInputFiles({ name: 'posture-offline.zip', mimeType: 'application/zip', buffer: Buffer.from(await writeBundle({ seed: 11 })) });
  await expect(page.getByTestId('library')).toContainText('posture-offline.zip');
  const usb = join(media, 'posture');
  await page.getByTestId('media-dir').fill(usb);
  await page.getByLabel('Signing key (OpenSSH Ed25519 private key file)').fill(join(keys, 'id_ed25519'));
  await page.getByRole('button', { name: 'Export selected bundle' }).click();
  await expect(page.getByRole('status')).toContainText('Exported the bundle');
  const files = readdirSync(usb).sort();
  expect(files.some((f) => f.endsWith('.zip'))).toBe(true);
  const manifestName = files.find((f) => f.endsWith('.transfer.json'));
  expect(manifestName).toBeDefined();
  expect(files).toContain(`${manifestName}.sig`);
  await shot(page, '18-media-exported');

  // a tampered copy: one field of the signed manifest changed
  const tampered = join(media, 'tampered');
  cpSync(usb, tampered, { recursive: true });
  const manifestFile = join(tampered, manifestName as string);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, checks: [] }, null, 2));

  // the other side: its own data folder and UI
  other = await startUi(otherHome);
  const far = await context.newPage();
  await far.goto(other.url);
  await go(far, 'Library');
  await far.getByTestId('media-dir').fill(tampered);
  await far.getByLabel('Trusted signer (public key or allowed_signers file)').fill(join(keys, 'id_ed25519.pub'));
  await far.getByRole('button', { name: 'Import from folder' }).click();
  const error = far.getByTestId('error');
  await expect(error.getByTestId('error-code')).toHaveText('SIGNATURE_INVALID');
  await expect(error.getByTestId('error-message')).toContainText('signature does not verify');
  await expect(far.getByTestId('library')).toHaveCount(0);
  await shot(far, '19-media-tampered-refused');

  // the genuine copy is verified and enters the library, its source naming the signer
  await far.getByTestId('media-dir').fill(usb);
  await far.getByRole('button', { name: 'Import from folder' }).click();
  await expect(far.getByRole('status')).toContainText('Imported and verified');
  const row = far.getByTestId('library').locator('tbody tr').first();
  await expect(row).toContainText('removable media');
  await expect(row).toContainText('300418.0.0.0');

  await go(far, 'Activity');
  const activity = far.getByTestId('activity');
  await expect(activity.locator('tr', { hasText: 'SIGNATURE_INVALID' })).toContainText('refused');
  await expect(activity.locator('tr', { hasText: `imported from ${usb}` })).toContainText('success');
});
