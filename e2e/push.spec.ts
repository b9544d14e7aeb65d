/**
 * The push moment (issue 12 §1–2) through `posture-stage ui` against real node agents: the preview as a
 * table across targets (a node holding newer content would refuse: the push goes to 2 of 3), the push as a
 * view of its own whose result summary is on screen without scrolling at 1024×640 and 1280×800, a re-push
 * that says "nothing to apply", and a Cancel during a slow upload (an agent behind a throttled proxy) that
 * leaves the node exactly as it was. axe-core finds nothing serious on these views, light or dark, and the
 * page logs no error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AxeBuilder } from '@axe-core/playwright';
import type { ConsoleMessage, Page } from '@playwright/test';
import { test, expect, go, shot, CLI } from './fixtures.js';
import { startAgent, startSlowProxy, type Agent } from './peers/index.js';

const run = promisify(execFile);

/** Errors the page logs (console.error, uncaught exceptions); the favicon's 404 is the favicon's business. */
function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Saves an HTTPS target through the page's own API session (what the Targets screen's form does). */
async function addTarget(page: Page, name: string, url: string, agent: Agent): Promise<void> {
  const r = await page.evaluate(
    async (t) =>
      (
        await fetch('/api/saveTarget', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ args: [{ kind: 'https', ...t }] }),
        })
      ).json() as Promise<{ ok: boolean }>,
    { name, url, fingerprint: agent.fingerprint, token: agent.token },
  );
  expect(r.ok).toBe(true);
}

/** "id (impact): help — where" for each serious or critical axe violation on what the page shows now. */
async function seriousViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} — ${n.target.join(' ')}`));
}

/** Both color schemes: no serious or critical axe violation on what is on screen. */
async function accessible(page: Page): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await seriousViolations(page), scheme).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Whether the element is wholly inside the viewport, with the page's scroll box at its top. */
async function inViewWithoutScrolling(page: Page, testId: string): Promise<void> {
  const box = await page.getByTestId(testId).boundingBox();
  const size = page.viewportSize();
  expect(box && size).toBeTruthy();
  if (!box || !size) return;
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(size.height);
  expect(box.x + box.width).toBeLessThanOrEqual(size.width);
  expect(await page.locator('main').evaluate((el) => el.scrollTop)).toBe(0);
}

for (const viewport of [
  { width: 1024, height: 640 },
  { width: 1280, height: 800 },
]) {
  test(`push to 2 of 3 nodes: summary in view at ${viewport.width}×${viewport.height}, a re-push says nothing to apply`, async ({
    app: page,
  }) => {
    const errors = consoleErrors(page);
    const work = mkdtempSync(join(tmpdir(), 'ps-push-'));
    const newer = join(work, 'newer.zip');
    await run(process.execPath, [CLI, 'sample', '--out', newer, '--conditions', '999999.0.0.0', '--json']);
    const a = await startAgent({ name: 'staging-a' });
    const b = await startAgent({ name: 'staging-b', preload: newer });
    try {
      await page.setViewportSize(viewport);
      await page.getByTestId('try-locally').click();
      await expect(page.getByRole('heading', { level: 1, name: 'Inspect' })).toBeVisible();
      await addTarget(page, 'staging-a', a.origin, a);
      await addTarget(page, 'staging-b (newer content)', b.origin, b);
      await page.reload();
      await go(page, 'Preview & apply');
      for (const name of [/Local lab node/, /staging-a/, /staging-b/]) await page.getByRole('checkbox', { name }).check();

      // the preview: one row per target, the node with newer content would refuse, the push goes to 2 of 3
      await page.getByRole('button', { name: 'Preview changes' }).click();
      const rows = page.getByTestId('preview-summary').getByTestId('preview-row');
      await expect(rows).toHaveCount(3);
      await expect(rows.filter({ hasText: 'staging-b' }).getByTestId('preview-refusal')).toContainText('DOWNGRADE_REFUSED');
      await expect(rows.filter({ hasText: 'staging-a' }).getByTestId('preview-refusal')).toHaveText('—');
      await expect(page.getByTestId('push')).toHaveText('Push and apply to 2 of 3 targets');
      if (viewport.width === 1280) await shot(page, '32-preview-summary');
      await accessible(page);

      // push: the view of its own, its result summary on screen without scrolling
      await page.getByTestId('push').click();
      await expect(page.getByTestId('push-headline')).toHaveText('Pushed to 2 of 3 targets (2 applied · 1 not pushed)', {
        timeout: 90_000,
      });
      await inViewWithoutScrolling(page, 'push-summary');
      const summary = page.getByTestId('push-summary');
      const outcome = (name: RegExp) => summary.getByTestId('summary-row').filter({ hasText: name }).getByTestId('summary-outcome');
      await expect(outcome(/Local lab node/)).toHaveText('applied');
      await expect(outcome(/staging-a/)).toHaveText('applied');
      await expect(outcome(/staging-b/)).toHaveText('not pushed');
      await expect(
        summary
          .getByTestId('summary-row')
          .filter({ hasText: /staging-a/ })
          .locator('[data-version="conditions"]'),
      ).toHaveText('300418.0.0.0');
      expect(((await a.cli('status')).versions as { conditions: string }).conditions).toBe('300418.0.0.0');
      expect(((await b.cli('status')).versions as { conditions: string }).conditions).toBe('999999.0.0.0');
      // the hand-off follows from the result
      await expect(page.getByTestId('handoff')).toBeVisible();
      await shot(page, viewport.width === 1280 ? '33-push-result' : '33-push-result-1024');
      await accessible(page);

      // the same again: nothing to apply — neutral, not a green "applied"
      await page.getByTestId('push-back').click();
      await page.getByRole('button', { name: 'Preview changes' }).click();
      await expect(rows.filter({ hasText: 'staging-a' })).toContainText('nothing to apply');
      await page.getByTestId('push').click();
      await expect(page.getByTestId('push-headline')).toHaveText('Nothing to apply (2 nothing to apply · 1 not pushed)', {
        timeout: 90_000,
      });
      await inViewWithoutScrolling(page, 'push-summary');
      await expect(outcome(/Local lab node/)).toHaveText('nothing to apply');
      await expect(outcome(/staging-a/)).toHaveText('nothing to apply');
      await expect(summary).not.toContainText(/\bapplied\b/);
      if (viewport.width === 1280) await shot(page, '34-repush-nothing-to-apply');
      expect(errors).toEqual([]);
    } finally {
      await a.stop();
      await b.stop();
      rmSync(work, { recursive: true, force: true });
    }
  });
}

test('cancel during a slow upload leaves the node unchanged: status, history and inbox', async ({ app: page }) => {
  test.setTimeout(180_000);
  const errors = consoleErrors(page);
  const work = mkdtempSync(join(tmpdir(), 'ps-cancel-'));
  // ~9 MB: more than the loopback sockets buffer, so the upload's bytes follow what reaches the node
  const big = join(work, 'posture-offline.zip');
  await run(process.execPath, [CLI, 'sample', '--out', big, '--scale', '8', '--json']);
  const agent = await startAgent({ name: 'slow-node' });
  // 256 KB/s towards the node: the upload takes over half a minute
  const proxy = await startSlowProxy({ host: '127.0.0.1', port: agent.port }, 256 * 1024);
  try {
    const before = { status: await agent.cli('status'), history: await agent.cli('history'), inbox: agent.inbox() };
    await addTarget(page, 'slow-node', `https://127.0.0.1:${proxy.port}`, agent);
    await page.reload();
    await go(page, 'Library');
    await page.getByTestId('import-file').setInputFiles(big);
    await expect(page.getByTestId('library')).toContainText('posture-offline.zip', { timeout: 60_000 });
    await go(page, 'Preview & apply');
    await page.getByRole('checkbox', { name: /slow-node/ }).check();
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await expect(page.getByTestId('push')).toHaveText('Push and apply to 1 target', { timeout: 30_000 });

    await page.getByTestId('push').click();
    // bytes, rate and ETA of the upload, per target, pushed to the page as they move
    const progress = page.getByTestId('push-target').getByTestId('progress');
    await expect(progress).toBeVisible({ timeout: 30_000 });
    const total = Number(await progress.getAttribute('aria-valuemax'));
    expect(total).toBeGreaterThan(8_000_000);
    const first = Number(await progress.getAttribute('aria-valuenow'));
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(first);
    await expect(progress).toContainText(/KB\/s|MB\/s/);
    await expect(progress).toContainText(/ETA \d+/);
    await shot(page, '35-push-uploading');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByTestId('push-cancel').click();
    await expect(page.getByTestId('push-headline')).toHaveText('Push cancelled', { timeout: 30_000 });
    await inViewWithoutScrolling(page, 'push-summary');
    await expect(page.getByTestId('summary-outcome')).toHaveText('cancelled');
    await expect(page.getByTestId('push-summary')).toContainText('nothing changed there');
    await expect(page.getByTestId('handoff')).toHaveCount(0);
    await shot(page, '36-push-cancelled');
    await accessible(page);

    // the node: same Update Information, no history entry, nothing left in its inbox. The agent drops the
    // partial upload when it sees the connection close — which it sees only after the throttled proxy has passed
    // on what loopback's socket buffers had already taken from the app (megabytes, at 256 KB/s), so allow for that
    expect(await agent.cli('status')).toEqual(before.status);
    expect(await agent.cli('history')).toEqual(before.history);
    await expect.poll(() => agent.inbox(), { timeout: 60_000, intervals: [1000] }).toEqual(before.inbox);
    expect(proxy.forwarded()).toBeLessThan(total);
    expect(await agent.cli('status')).toEqual(before.status);
    expect(await agent.cli('history')).toEqual(before.history);

    await go(page, 'Activity');
    await expect(page.getByTestId('activity').locator('tr', { hasText: 'CANCELLED' }).first()).toContainText('slow-node');
    expect(errors).toEqual([]);
  } finally {
    await proxy.close();
    await agent.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
