/**
 * An SFTP target against a real sshd (e2e/peers): add it confirming its host key on first contact,
 * preview, apply, see the node's versions; then the node answers with another host key (reinstalled
 * node, or someone in between) and the push stops before anything is sent. The node panel shows the
 * node's history and ise-psc.log over SSH, as for HTTPS nodes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, go, shot, CLI } from './fixtures.js';
import { startSshd, type Sshd } from './peers/index.js';
import { initStore, readStatus } from '../core/agent/index.js';
import { writeBundle } from '../core/bundle/index.js';

let sshd: Sshd;
let other: Sshd;
let store: string;

test.beforeEach(async () => {
  sshd = await startSshd();
  other = await startSshd();
  store = mkdtempSync(join(tmpdir(), 'ps-e2e-node-'));
  rmSync(store, { recursive: true });
  await initStore(store, { name: 'staging-sftp' });
});

test.afterEach(async () => {
  await sshd.stop();
  await other.stop();
  rmSync(store, { recursive: true, force: true });
});

test('adds an SFTP target with its host key confirmed, applies, and a changed host key stops the push', async ({ app: page, home }) => {
  // a bundle in the library (import by file, as an admin would)
  await go(page, 'Library');
  await page
    .getByTestId('import-file')
    .setInputFiles({ name: 'posture-offline.zip', mimeType: 'application/zip', buffer: Buffer.from(await writeBundle({ seed: 7 })) });
  await expect(page.getByTestId('library')).toContainText('posture-offline.zip');

  // add the target: first contact shows the host key, it must be confirmed before saving
  await go(page, 'Targets');
  await page.getByRole('button', { name: 'Add staging node…' }).click();
  const form = page.getByTestId('target-form');
  await form.getByLabel(/SFTP/).check();
  await form.getByLabel('Name', { exact: true }).fill('staging-sftp');
  await form.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await form.getByRole('spinbutton', { name: 'Port' }).fill(String(sshd.port));
  await form.getByLabel('User', { exact: true }).fill(sshd.user);
  await form.getByLabel('Store path on the node').fill(store);
  await form.getByLabel('Private key (OpenSSH format)').fill(readFileSync(sshd.identity, 'utf8'));
  await form.getByLabel(/Remote command/).fill(`${process.execPath} ${CLI}`);
  await form.getByRole('button', { name: 'Contact node' }).click();
  await expect(form.getByTestId('presented-fingerprint')).toHaveText(sshd.hostKeyFingerprint);
  await expect(form.getByRole('button', { name: 'Save target' })).toBeDisabled();
  await shot(page, '11-sftp-host-key-confirm');
  await form.getByLabel("The fingerprint matches the node's").check();
  await form.getByRole('button', { name: 'Save target' }).click();
  await expect(page.getByTestId('targets')).toContainText(sshd.hostKeyFingerprint);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('diagnostics-result')).toHaveText('Connection works.');

  // preview and apply over SFTP
  await go(page, 'Preview & apply');
  await page.getByRole('checkbox', { name: /staging-sftp/ }).check();
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await expect(page.getByTestId('version-diff')).toContainText('new install');
  await page.getByTestId('push').click();
  const result = page.getByTestId('push-target');
  await expect(result.getByTestId('push-result')).toHaveText('applied', { timeout: 90_000 });
  await expect(result.getByTestId('node-after').locator('[data-version="conditions"]')).not.toHaveText('0.0.0.0');
  const applied = await readStatus(store);
  expect(applied.versions.conditions).not.toBe('0.0.0.0');
  await result.scrollIntoViewIfNeeded();
  await shot(page, '12-sftp-applied');
  // the push result carries the node's ise-psc.log, read over the same SSH access
  await result.getByText('Node log tail').click();
  await expect(result).toContainText('Completed opswat download');

  // the node panel of an SFTP target: Update Information, history and ise-psc.log over SSH
  await go(page, 'Targets');
  await page.getByRole('button', { name: 'Node status' }).click();
  const node = page.getByTestId('node-status');
  await expect(node.getByTestId('node-update-info').locator('[data-version="conditions"]')).toHaveText(applied.versions.conditions, {
    timeout: 30_000,
  }); // over SSH: three CLI runs on the node
  await expect(node.getByRole('table').locator('tbody tr').first()).toContainText('success');
  await expect(node.getByRole('table').locator('tbody tr').first()).toContainText('apply');
  await node.getByText(/ise-psc\.log \(last \d+ lines\)/).click();
  await expect(node).toContainText('Starting opswat download');
  await shot(page, '21-sftp-node-status');

  // the node now answers with a different host key: point the saved target at another sshd
  const targetsFile = join(home, 'targets.json');
  const saved = JSON.parse(readFileSync(targetsFile, 'utf8')) as { targets: Array<{ port?: number }> };
  for (const t of saved.targets) if (t.port === sshd.port) t.port = other.port;
  writeFileSync(targetsFile, JSON.stringify(saved));
  const inboxBefore = readdirSync(join(store, 'inbox'));
  await go(page, 'Preview & apply');
  await page.getByRole('checkbox', { name: /staging-sftp/ }).check();
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await expect(page.getByTestId('preview-target').getByTestId('error-code')).toHaveText('HOST_KEY_MISMATCH');
  await expect(page.getByTestId('preview-target').getByTestId('error-message')).toContainText('Nothing was sent');
  // a node that would refuse is left out of the push: with no other target there is nothing to push to
  await expect(page.getByTestId('preview-summary').getByTestId('preview-refusal')).toContainText('HOST_KEY_MISMATCH');
  await expect(page.getByTestId('push')).toHaveText('No target would take this bundle');
  await expect(page.getByTestId('push')).toBeDisabled();
  expect(readdirSync(join(store, 'inbox'))).toEqual(inboxBefore);
  expect((await readStatus(store)).versions).toEqual(applied.versions);
  await shot(page, '13-wrong-host-key');
});
