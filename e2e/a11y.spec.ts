/**
 * Accessibility and a clean console on every screen (issue 12 §6): axe-core (WCAG 2.x A/AA and best practices)
 * on every screen and every Inspect tab, the Targets screen's forms and panels, Preview and the push's result
 * view, in light and dark, at 1280×800 and 1024×640 — no serious or critical violation anywhere, and no page
 * load or action logs a console error (the favicon included). Lesser findings are attached to the test.
 */
import { writeFileSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { test, expect, go } from './fixtures.js';

interface Finding {
  state: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Runs axe on what the page shows now; returns every violation, tagged with where it was found. */
async function audit(page: Page, state: string): Promise<Finding[]> {
  // settle the screen (fonts, transitions) before judging contrast
  await page.waitForTimeout(100);
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.map((v) => ({
    state,
    id: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
}

/** Every screen and tab, in the theme the page emulates now. */
async function walk(page: Page, theme: string, findings: Finding[]): Promise<void> {
  const check = async (state: string) => findings.push(...(await audit(page, `${theme} · ${state}`)));

  await go(page, 'Library');
  await check('Library');

  await go(page, 'Inspect');
  const tabs = page.getByRole('tablist', { name: 'Inspect sections' }).getByRole('tab');
  await expect(tabs.first()).toBeVisible({ timeout: 60_000 });
  const count = await tabs.count();
  expect(count).toBeGreaterThanOrEqual(5);
  for (let i = 0; i < count; i++) {
    const tab = tabs.nth(i);
    const name = (await tab.textContent())?.trim() ?? `tab ${i}`;
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await check(`Inspect · ${name}`);
  }

  await go(page, 'Targets');
  await check('Targets');
  await page.getByRole('button', { name: 'Test connection' }).first().click();
  await expect(page.getByTestId('diagnostics-result')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Node status' }).first().click();
  await expect(page.getByTestId('node-status')).toBeVisible({ timeout: 30_000 });
  await check('Targets · tested, node status');
  await page.getByRole('button', { name: 'Add staging node…' }).click();
  await page.getByTestId('target-form').getByLabel(/SFTP/).check();
  await check('Targets · add form (SFTP)');
  await page.getByTestId('target-form').getByRole('button', { name: 'Cancel' }).click();
  const prepare = page.getByRole('button', { name: 'Prepare a node…' });
  if (await prepare.count()) {
    await prepare.click();
    await check('Targets · prepare a node');
  }

  await go(page, 'Preview & apply');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await expect(page.getByTestId('version-diff').first()).toBeVisible({ timeout: 60_000 });
  await check('Preview & apply · preview');
  await page.getByTestId('push').click();
  // the push's end, not the running view's words (its Cancel note says "reported as applied" too)
  await expect(page.getByTestId('push-summary')).toBeVisible({ timeout: 90_000 });
  await check('Preview & apply · push result');

  await go(page, 'Activity');
  await check('Activity');
  await go(page, 'Settings');
  await check('Settings');
}

async function report(testInfo: TestInfo, findings: Finding[]): Promise<void> {
  const body = JSON.stringify(findings, null, 2);
  writeFileSync(testInfo.outputPath('axe-findings.json'), body);
  await testInfo.attach('axe-findings', { body, contentType: 'application/json' });
  const minor = findings.filter((f) => f.impact !== 'serious' && f.impact !== 'critical');
  if (minor.length)
    console.log(`axe: ${minor.length} minor/moderate findings:\n${minor.map((f) => `  ${f.state}: ${f.id} (${f.impact})`).join('\n')}`);
}

for (const viewport of [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
]) {
  test(`no serious or critical axe violation and no console error on any screen, light and dark, at ${viewport.width}×${viewport.height}`, async ({
    app: page,
  }, testInfo) => {
    test.setTimeout(420_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    await page.setViewportSize(viewport);
    const findings: Finding[] = [];

    // the first screen a newcomer sees, in both themes
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await expect(page.getByRole('heading', { name: 'Welcome to Posture Stage' })).toBeVisible();
      findings.push(...(await audit(page, `${colorScheme} · Get started`)));
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('try-locally').click();
    await expect(page.getByRole('heading', { level: 1, name: 'Inspect' })).toBeVisible({ timeout: 60_000 });

    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await walk(page, colorScheme, findings);
    }
    // a fresh load of the page (the favicon and every asset) logs nothing either; the icon is the app's
    await page.reload();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    const served = await page.request.get(new URL(icon ?? '/favicon.ico', page.url()).href);
    expect(served.status()).toBe(200);
    expect(served.headers()['content-type']).toBe('image/svg+xml');

    await report(testInfo, findings);
    console.log(`axe: ${findings.length} findings in all; console errors: ${consoleErrors.length}`);
    const severe = findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
    expect(severe, JSON.stringify(severe, null, 2)).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
}
