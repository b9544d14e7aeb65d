/**
 * Issue 10 in the app, through `posture-stage ui` against real peers: Cisco's own layout (a zip built here with
 * XML and a tar.gz under other names, no manifest) is inspected (everything recognisable, not verified), previewed
 * ("the node will stage this file"), pushed over SFTP to a real sshd and staged; the "Hand off to ISE" step shows
 * ISE's GUI steps for the target's PAN, saves the three files (the same SHA-256), offers a printable page, and the
 * confirm box judges a pasted Update Information and an uploaded ise-psc.log. A reference-layout bundle on the lab
 * node shows the per-component verdicts with one component older. Screenshots go to e2e/screenshots/.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, go, shot, CLI } from './fixtures.js';
import { startSshd, type Sshd } from './peers/index.js';
import { initStore } from '../core/agent/index.js';
import { unknownLayoutZips, NEW_VERSIONS, OLD_VERSIONS } from '../core/agent/testing.js';

let sshd: Sshd;
let work: string;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const pad = (n: number) => String(n).padStart(2, '0');
/** ISE's local time `seconds` from now: "YYYY-MM-DD HH:MM:SS". */
const iseNow = (seconds: number) => {
  const d = new Date(Date.now() + seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
const updateInformation = (v: typeof NEW_VERSIONS, at: string) =>
  [
    'Update Information',
    `Last successful update on: **${at}**`,
    `Last update status since ISE was started: **Last update attempt at ${at} was successful**`,
    `Cisco conditions version: **${v.conditions}**`,
    `Cisco AV/AS support chart version for windows: **${v.avasWindows}**`,
    `Cisco AV/AS support chart version for Mac OSX: **${v.avasMac}**`,
    `Cisco AV/AS support chart version for Linux: **${v.avasLinux}**`,
    `Cisco supported OS version: **${v.supportedOs}**`,
  ].join('\n');
const dm = 'cisco.cpm.posture.download.DownloadManager';

test.beforeEach(async () => {
  sshd = await startSshd();
  work = mkdtempSync(join(tmpdir(), 'ps-e2e-handoff-'));
});
test.afterEach(async () => {
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
});

test("Cisco's own layout: inspect, stage over SFTP, hand off to ISE, prove ISE took it", async ({ app: page }) => {
  const bytes = (await unknownLayoutZips({ versions: NEW_VERSIONS })).find((z) => z.shape === 'renamed-members')!.bytes;
  const store = join(work, 'node');
  await initStore(store, { name: 'staging-sftp' });

  // import and inspect: everything recognisable, marked not verified
  await go(page, 'Library');
  await page
    .getByTestId('import-file')
    .setInputFiles({ name: 'posture-offline.zip', mimeType: 'application/zip', buffer: Buffer.from(bytes) });
  await expect(page.getByTestId('library')).toContainText('posture-offline.zip');
  await go(page, 'Inspect');
  const unknown = page.getByTestId('unknown-layout');
  await expect(unknown).toContainText('not verified');
  await expect(unknown.getByTestId('unknown-opened')).toContainText('{urn:posture-stage:conditions:1}postureConditions');
  await expect(unknown.getByTestId('unknown-opened')).toContainText('os-groups.xml');
  await expect(unknown.getByTestId('version-hints').locator('tr', { hasText: '300418.0.0.0' })).toContainText('data/payload-01.bin');
  await unknown.scrollIntoViewIfNeeded();
  await shot(page, '22-inspect-unknown-layout');

  // a staging node over SFTP that names the ISE deployment it serves
  await go(page, 'Targets');
  await expect(page.getByTestId('targets-intro')).toContainText('never the ISE appliance');
  await page.getByRole('button', { name: 'Add staging node…' }).click();
  const form = page.getByTestId('target-form');
  await form.getByLabel(/SFTP/).check();
  await form.getByLabel('Name', { exact: true }).fill('staging-sftp');
  await form.getByTestId('target-deployment').fill('ise-pan-01.example.com');
  await form.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await form.getByRole('spinbutton', { name: 'Port' }).fill(String(sshd.port));
  await form.getByLabel('User', { exact: true }).fill(sshd.user);
  await form.getByLabel('Store path on the node').fill(store);
  await form.getByLabel('Private key (OpenSSH format)').fill(readFileSync(sshd.identity, 'utf8'));
  await form.getByLabel(/Remote command/).fill(`${process.execPath} ${CLI}`);
  await form.getByRole('button', { name: 'Contact node' }).click();
  await form.getByLabel("The fingerprint matches the node's").check();
  await form.getByRole('button', { name: 'Save target' }).click();
  await expect(page.getByTestId('target-pan')).toHaveText('serves the ISE deployment of PAN ise-pan-01.example.com');

  // preview says plainly what will happen; the push stages it
  await go(page, 'Preview & apply');
  await page.getByRole('checkbox', { name: /staging-sftp/ }).check();
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await expect(page.getByTestId('preview-staging')).toHaveText(
    'layout not recognised: the node will stage this file for upload to ISE; versions cannot be compared',
  );
  await shot(page, '23-preview-staging');
  await page.getByTestId('push').click();
  const result = page.getByTestId('push-target');
  await expect(result.getByTestId('push-result')).toHaveText('staged', { timeout: 90_000 });
  await expect(result.getByTestId('push-staged')).toContainText('the node staged this file for upload to ISE');
  expect(readdirSync(join(store, 'staged')).sort()).toEqual([`${sha(bytes)}.json`, `${sha(bytes)}.zip`]);

  // the hand-off step: ISE's words, for the target's PAN; save the three files; printable page
  const handoff = page.getByTestId('handoff');
  await expect(handoff.locator('[data-section="upload"]')).toContainText('once, on the PAN ise-pan-01.example.com');
  await expect(handoff.locator('[data-section="upload"] li')).toHaveText([
    /Save posture-offline\.zip/,
    /Administration > System > Settings > Posture/,
    /Click Updates/,
    /Click the Offline option/,
    /Click Browse/,
    /Click Update Now/,
  ]);
  await expect(handoff.locator('[data-section="file"]')).toContainText(sha(bytes));
  await expect(handoff.locator('[data-section="log"]')).toContainText('Completed opswat download');
  const out = join(work, 'usb');
  await handoff.getByTestId('handoff-dir').fill(out);
  await handoff.getByTestId('handoff-save').click();
  await expect(handoff.getByTestId('handoff-saved')).toContainText(`Saved to ${out}`);
  expect(readdirSync(out).sort()).toEqual(['HANDOFF.txt', 'posture-offline.zip', 'posture-offline.zip.sha256']);
  expect(sha(readFileSync(join(out, 'posture-offline.zip')))).toBe(sha(bytes));
  expect(readFileSync(join(out, 'HANDOFF.txt'), 'utf8')).toContain('PAN ise-pan-01.example.com');
  const [download] = await Promise.all([page.waitForEvent('download'), handoff.getByTestId('handoff-print').click()]);
  expect(download.suggestedFilename()).toBe(`handoff-${sha(bytes).slice(0, 12)}.html`);
  expect(readFileSync(await download.path(), 'utf8')).toContain('Click Update Now.');
  await handoff.getByRole('heading', { name: 'Hand off to ISE' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
  await shot(page, '24-handoff');

  // prove it: without the log the versions of this file cannot be compared; with a completed run after the hand-off, taken
  const confirm = handoff.getByTestId('confirm');
  const at = iseNow(2);
  await confirm.getByTestId('confirm-status').fill(updateInformation(NEW_VERSIONS, at.replaceAll('-', '/')));
  await confirm.getByTestId('confirm-run').click();
  await expect(confirm.getByTestId('confirm-verdict')).toHaveAttribute('data-verdict', 'cannot-tell');
  const log = [
    `${at},246 INFO [admin-http-pool5][[]]`,
    `${dm} -::admin::- opswatのダウンロードを開始`,
    `${at},251 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Offline download file URI :/opt/CSCOCpm/temp/cp/update/5c06/osgroupsV2.tar.gz`,
    `${at},803 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Completed opswat download`,
    '',
  ].join('\n');
  await confirm.getByTestId('confirm-log').setInputFiles({ name: 'ise-psc.log', mimeType: 'text/plain', buffer: Buffer.from(log) });
  await confirm.getByTestId('confirm-run').click();
  await expect(confirm.getByTestId('confirm-verdict')).toHaveAttribute('data-verdict', 'taken');
  await expect(confirm.getByTestId('confirm-verdict')).toContainText('ISE took it.');
  await expect(confirm.getByTestId('confirm-log-run')).toHaveAttribute('data-verdict', 'completed');
  await expect(confirm.getByTestId('confirm-log-run')).toContainText(
    'Offline download file URI :/opt/CSCOCpm/temp/cp/update/5c06/osgroupsV2.tar.gz',
  );
  await expect(confirm.locator('[data-key="conditions"]')).toContainText('the file mentions it');
  await confirm.getByRole('heading', { name: 'Prove ISE took it' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
  await shot(page, '25-confirm-taken');

  await go(page, 'Activity');
  const activity = page.getByTestId('activity');
  await expect(activity.locator('tr', { hasText: 'confirm on PAN ise-pan-01.example.com: ISE took it' })).toContainText('success');
  await expect(activity.locator('tr', { hasText: 'handed off to' })).toContainText('the deployment of PAN ise-pan-01.example.com');
  await expect(activity.locator('tr', { hasText: 'staged for upload to ISE' }).first()).toContainText('success');
});

test('reference layout on the lab node: hand off after applying, confirm shows one component older', async ({ app: page }) => {
  await page.getByTestId('try-locally').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inspect' })).toBeVisible();
  await page.getByRole('button', { name: 'Preview & apply…' }).click();
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await page.getByTestId('push').click();
  await expect(page.getByTestId('push-target').getByTestId('push-result')).toHaveText('applied', { timeout: 60_000 });
  const handoff = page.getByTestId('handoff');
  await expect(handoff.locator('[data-section="expect"]')).toContainText('Cisco AV/AS support chart version for Mac OSX');
  await expect(handoff.locator('[data-section="expect"]')).toContainText('214.0.0.0');
  await handoff.getByTestId('handoff-dir').fill(join(work, 'ref'));
  await handoff.getByTestId('handoff-save').click();
  await expect(handoff.getByTestId('handoff-saved')).toBeVisible();

  const confirm = handoff.getByTestId('confirm');
  await confirm
    .getByTestId('confirm-status')
    .fill(updateInformation({ ...NEW_VERSIONS, avasMac: OLD_VERSIONS.avasMac }, iseNow(2).replaceAll('-', '/')));
  await confirm.getByTestId('confirm-run').click();
  await expect(confirm.getByTestId('confirm-verdict')).toHaveAttribute('data-verdict', 'not-taken');
  await expect(confirm.locator('[data-key="avasMac"]').getByTestId('verdict')).toHaveText('ISE is older');
  await expect(confirm.locator('[data-key="conditions"]').getByTestId('verdict')).toHaveText('present');
  await expect(confirm.getByTestId('confirm-problems')).toContainText('ISE shows 181.0.0.0, older than the bundle');
  await confirm.getByRole('heading', { name: 'Prove ISE took it' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
  await shot(page, '26-confirm-older');
});
