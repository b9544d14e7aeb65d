/**
 * The newcomer's whole flow on the local lab node (a real node agent over HTTPS on loopback):
 * try it locally → inspect → preview the diff → push and apply → the node's versions change →
 * the activity entry. Screenshots of each screen go to e2e/screenshots/.
 */
import { test, expect, go, shot } from './fixtures.js';

test('walks the whole flow on the local lab node over HTTPS', async ({ app: page }) => {
  // First run: no targets → the welcome screen offers "Try it locally"
  await expect(page.getByRole('heading', { name: 'Welcome to Posture Stage' })).toBeVisible();
  await shot(page, '01-welcome');
  await page.getByTestId('try-locally').click();

  // Inspect: ISE's Update Information with its labels, every check shown
  await expect(page.getByRole('heading', { level: 1, name: 'Inspect' })).toBeVisible();
  const info = page.getByTestId('update-info');
  await expect(info.getByText('Cisco conditions version')).toBeVisible();
  await expect(info.locator('[data-version="conditions"]')).toHaveText('300418.0.0.0');
  await expect(info.locator('[data-version="supportedOs"]')).toHaveText('101.6.3.0');
  await expect(page.getByTestId('checks')).toContainText('passed');
  await shot(page, '02-inspect');

  // AV/AS chart as a searchable table
  await page.getByRole('tab', { name: 'AV/AS windows' }).click();
  const table = page.getByTestId('avas-windows');
  await expect(table.locator('tbody tr').first()).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search the windows AV/AS chart' }).fill('Defender');
  await expect(table).toContainText('Microsoft Defender Antivirus');
  await shot(page, '03-inspect-avas');
  await page.getByRole('tab', { name: 'Conditions & policies' }).click();
  await expect(page.getByTestId('defaults')).toContainText('default policy');
  await page.getByRole('tab', { name: 'OS groups' }).click();
  await expect(page.getByText('osgroupsV2.tar.gz')).toBeVisible();
  await shot(page, '04-inspect-os-groups');
  await page.getByRole('tab', { name: /Entries/ }).click();
  await expect(page.getByTestId('entries')).toContainText('posture-update.xml');

  // Preview: the lab node holds nothing yet → every component is a new install
  await page.getByRole('button', { name: 'Preview & apply…' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Preview & apply' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: /Local lab node/ })).toBeChecked();
  await page.getByRole('button', { name: 'Preview changes' }).click();
  const diff = page.getByTestId('diff');
  await expect(diff.getByTestId('version-diff')).toContainText('not installed');
  await expect(diff.getByTestId('version-diff')).toContainText('300418.0.0.0');
  await expect(diff).toContainText('Microsoft Defender Antivirus');
  await shot(page, '05-preview');

  // Push and apply: timeline check → upload → verify → apply, then the node's new versions
  await page.getByTestId('push').click();
  const result = page.getByTestId('push-target');
  await expect(result.getByTestId('push-result')).toHaveText('applied', { timeout: 60_000 });
  for (const step of ['check', 'upload', 'verify', 'apply'])
    await expect(result.locator(`[data-step="${step}"]`)).toHaveAttribute('data-state', 'done');
  await expect(result.getByTestId('node-after').locator('[data-version="conditions"]')).toHaveText('300418.0.0.0');
  await expect(result.getByTestId('node-after')).toContainText('was successful');
  await result.scrollIntoViewIfNeeded();
  await shot(page, '06-applied');

  // The node agrees when asked again, and the connection test passes step by step
  await go(page, 'Targets');
  await page.getByRole('button', { name: 'Node status' }).click();
  await expect(page.getByTestId('node-update-info').locator('[data-version="avasWindows"]')).toHaveText('297.0.0.0');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('diagnostics-result')).toHaveText('Connection works.');
  await shot(page, '07-targets');

  // Activity: who/when/what/sha256/result
  await go(page, 'Activity');
  const activity = page.getByTestId('activity');
  await expect(activity.locator('tr', { hasText: 'conditions 0.0.0.0→300418.0.0.0' })).toContainText('success');
  await expect(activity).toContainText('Local lab node');
  await shot(page, '08-activity');

  // Pushing the same bundle again changes nothing on the node: preview says "no change"
  await go(page, 'Preview & apply');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await expect(page.getByTestId('version-diff')).toContainText('no change');

  await go(page, 'Settings');
  await expect(page.getByLabel('Feed URL')).toHaveValue(/posture-offline\.zip|posture-update\.xml/);
  await shot(page, '09-settings');
  await go(page, 'Library');
  await expect(page.getByTestId('library')).toContainText('posture-offline-sample.zip');
  await shot(page, '10-library');

  // dark mode, same screen set
  await page.emulateMedia({ colorScheme: 'dark' });
  await go(page, 'Inspect');
  await expect(page.getByTestId('update-info')).toBeVisible();
  await shot(page, '16-inspect-dark');
});
