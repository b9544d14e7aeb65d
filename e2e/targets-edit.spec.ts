/**
 * Targets fixed in place (issue 12 §4, issue 13 §2), through `posture-stage ui` against real peers — a node agent
 * over HTTPS and OpenSSH's sshd: a wrong token is caught before saving, in the app's words; when the node stops
 * taking the saved token, Test connection says so and editing the token fixes it (same target, no remove/add).
 * An SFTP key comes from a file; a node whose agent is older than the app says so and offers the kit, and
 * "Prepare a node…" writes it (INSTALL.txt, files with sizes and SHA-256, `sha256sum -c` passes).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, go, shot, CLI } from './fixtures.js';
import { startSshd, writeMiniKit, type Sshd } from './peers/index.js';
import { addToken, initStore, readToken, revokeToken, startAgentServer, type AgentServer } from '../core/agent/index.js';
import { VERSION } from '../core/version.js';

let work: string;

test.beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'ps-e2e-targets-'));
});

test.afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

test('a wrong token is caught before saving; editing the token fixes a 401 without removing the target', async ({ app: page, home }) => {
  const store = join(work, 'node');
  await initStore(store, { name: 'staging-https' });
  const agent: AgentServer = await startAgentServer({ store, host: '127.0.0.1', port: 0, log: () => {} });
  try {
    await go(page, 'Targets');
    await page.getByRole('button', { name: 'Add staging node…' }).click();
    const form = page.getByTestId('target-form');
    await form.getByLabel('Name', { exact: true }).fill('staging-https');
    await form.getByLabel('Agent URL').fill(agent.url);
    await form.getByLabel('API token').fill('wrong-token-'.padEnd(43, 'x'));
    await form.getByRole('button', { name: 'Contact node' }).click();
    await expect(form.getByTestId('presented-fingerprint')).toHaveText(agent.fingerprint);
    await form.getByLabel("The fingerprint matches the node's").check();
    await form.getByRole('button', { name: 'Save target' }).click();

    // refused before saving, in the app's words: which field, and where the right value is on the node
    const error = form.getByTestId('error');
    await expect(error.getByTestId('error-code')).toHaveText('AUTH_FAILED');
    await expect(error.getByTestId('error-message')).toContainText('The node refused the API token (401). Enter the token the node gave');
    await expect(error.getByTestId('error-message')).not.toContainText('--');
    await expect(error).toContainText('Not saved');
    // nothing was saved: no targets file at all
    expect(existsSync(join(home, 'targets.json'))).toBe(false);

    // a token the node gave for this workstation: saved, and the node's agent version shown beside the app's
    const ops = await addToken(store, 'workstation');
    await form.getByLabel('API token').fill(ops.token);
    await form.getByRole('button', { name: 'Save target' }).click();
    const target = page.getByTestId('targets').getByRole('listitem', { name: 'staging-https' });
    await expect(target.getByTestId('agent-version')).toContainText(`Agent ${VERSION} · this app and its kit ${VERSION}`);
    const id = (JSON.parse(readFileSync(join(home, 'targets.json'), 'utf8')) as { targets: Array<{ id: string }> }).targets[0]?.id;

    // the node stops taking that token: Test connection says what to do, in the app's words
    await revokeToken(store, 'workstation');
    await target.getByRole('button', { name: 'Test connection' }).click();
    await expect(target.getByTestId('diagnostics-result')).toContainText('Failed at step “login”');
    await expect(target.getByTestId('diagnostics-result')).toContainText(
      'The node refused the API token (401). Edit the target and enter the token the node gave',
    );
    await shot(page, '27-target-token-refused');

    // Edit: the new token only; the address, pin and name stay
    await target.getByRole('button', { name: 'Edit staging-https…' }).click();
    const edit = target.getByTestId('target-form');
    await expect(edit.getByLabel('Agent URL')).toHaveValue(agent.url);
    await edit.getByLabel('API token').fill(await readToken(store));
    await shot(page, '28-target-edit');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status')).toContainText('Saved the changes to staging-https.');
    await target.getByRole('button', { name: 'Test connection' }).click();
    await expect(target.getByTestId('diagnostics-result')).toHaveText('Connection works.');
    const saved = JSON.parse(readFileSync(join(home, 'targets.json'), 'utf8')) as { targets: Array<{ id: string }> };
    expect(saved.targets.map((t) => t.id)).toEqual([id]);

    await go(page, 'Activity');
    await expect(page.getByTestId('activity').locator('tr', { hasText: 'edited target' })).toContainText('credentials changed');
  } finally {
    await agent.close();
  }
});

test('an SFTP key from a file; an agent older than the app is offered the kit, which "Prepare a node…" writes', async ({ app: page }) => {
  const sshd: Sshd = await startSshd();
  try {
    const store = join(work, 'store');
    await initStore(store, { name: 'staging-old' });
    // the node still runs an older posture-stage: a wrapper that reports 0.0.9
    const old = join(work, 'old-posture-stage');
    writeFileSync(
      old,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then echo 0.0.9; exit 0; fi\n${process.execPath} ${CLI} "$@" | sed 's/"agentVersion":"[^"]*"/"agentVersion":"0.0.9"/'\n`,
    );
    chmodSync(old, 0o755);

    await go(page, 'Targets');
    await page.getByRole('button', { name: 'Add staging node…' }).click();
    const form = page.getByTestId('target-form');
    await form.getByLabel(/SFTP/).check();
    await form.getByLabel('Name', { exact: true }).fill('staging-old');
    await form.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await form.getByRole('spinbutton', { name: 'Port' }).fill(String(sshd.port));
    await form.getByLabel('User', { exact: true }).fill(sshd.user);
    await form.getByLabel('Store path on the node').fill(store);
    // the key from its file (the browser reads it; the desktop app opens the native picker instead)
    await form.getByTestId('key-file').setInputFiles(sshd.identity);
    await expect(form.getByTestId('key-chosen')).toHaveText('Read id_ed25519');
    await form.getByLabel(/Remote command/).fill(old);
    await form.getByRole('button', { name: 'Contact node' }).click();
    await form.getByLabel("The fingerprint matches the node's").check();
    await form.getByRole('button', { name: 'Save target' }).click();

    const target = page.getByTestId('targets').getByRole('listitem', { name: 'staging-old' });
    const version = target.getByTestId('agent-version');
    await expect(version).toContainText(`Agent 0.0.9 · this app and its kit ${VERSION}`, { timeout: 30_000 });
    await expect(version.getByTestId('agent-older')).toHaveText('older than this app');
    await target.getByRole('button', { name: 'Test connection' }).click();
    const steps = target.getByTestId('diagnostics');
    await expect(target.getByTestId('diagnostics-result')).toHaveText('Connection works.', { timeout: 30_000 });
    await expect(steps.locator('[data-step="command"]')).toContainText('(posture-stage 0.0.9)');
    await expect(steps.locator('[data-step="store"]')).toContainText('is a node store (staging-old); root may write its inbox');
    await shot(page, '29-agent-older');

    // the kit: from a kit folder (a small one here; the real one is ~300 MB), to the "USB stick"
    await version.getByRole('button', { name: 'Prepare the kit to upgrade it…' }).click();
    const kit = page.getByTestId('kit-panel');
    await expect(kit.getByTestId('kit-version')).toContainText(`this app ${VERSION}`);
    const usb = join(work, 'usb', 'node-kit');
    await kit.getByTestId('kit-out').fill(usb);
    await kit.getByTestId('kit-from').fill(writeMiniKit(join(work, 'kit'), VERSION));
    await kit.getByRole('button', { name: 'Write the kit' }).click();
    const written = kit.getByTestId('kit-written');
    await expect(written).toContainText(`Written to ${usb}`);
    await expect(kit.getByTestId('progress')).toContainText('(100%)');
    const files = written.getByTestId('kit-files').locator('tbody tr');
    await expect(files).toHaveCount(6);
    await expect(written.getByTestId('kit-files')).toContainText(`posture-stage_${VERSION}_amd64.deb`);
    await expect(written.getByTestId('kit-files')).toContainText('256.0 KB');
    await expect(written.getByTestId('kit-install')).toContainText('sha256sum -c SHA256SUMS');
    expect(readdirSync(usb).sort()).toEqual(
      [
        'INSTALL.txt',
        'SHA256SUMS',
        'kit.json',
        `posture-stage-${VERSION}-linux-x64`,
        `posture-stage-${VERSION}-linux-x64.tar.gz`,
        `posture-stage_${VERSION}_amd64.deb`,
      ].sort(),
    );
    // what INSTALL.txt says first: the copy verifies
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: usb, encoding: 'utf8' })).not.toContain('FAILED');
    await written.scrollIntoViewIfNeeded();
    await shot(page, '30-kit-written');
  } finally {
    await sshd.stop();
  }
});
