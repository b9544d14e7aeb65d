/**
 * Keyboard only (WCAG 2.1.1): the newcomer's flow Library → Inspect → Preview & apply with Tab,
 * Shift+Tab, Enter, Space and the arrow keys — no mouse. The Inspect tabs follow the WAI-ARIA tabs
 * pattern (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): one tab stop (roving tabindex), arrows
 * move and select (wrapping), Home/End jump, Tab goes on to the tab panel.
 */
import type { Locator, Page } from '@playwright/test';
import { test, expect, shot } from './fixtures.js';

/** Presses Tab (or Shift+Tab) until `target` has the focus; fails if it is not reachable. */
async function tabTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab' = 'Tab', max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement).catch(() => false)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`not reachable with ${key} in ${max} presses: ${target.toString()}`);
}

const focused = (l: Locator) => expect(l).toBeFocused();

test('walks Library → Inspect → Preview & apply with the keyboard only', async ({ app: page }) => {
  // first run: "Try it locally" puts the sample in the library and adds the lab node
  const tryIt = page.getByTestId('try-locally');
  await tabTo(page, tryIt);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Inspect' })).toBeVisible({ timeout: 60_000 });

  // Library from the main menu
  const nav = page.getByRole('navigation', { name: 'Main' });
  await tabTo(page, nav.getByRole('button', { name: 'Library', exact: true }), 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
  const row = page.getByTestId('library').locator('tbody tr').first();
  await tabTo(page, row.getByRole('button', { name: 'Inspect' }));
  await page.keyboard.press('Enter');

  // the Inspect screen takes the focus at its heading (the pressed button is gone)
  const h1 = page.getByRole('heading', { level: 1, name: 'Inspect' });
  await focused(h1);

  // the tab row is one tab stop: the selected tab
  const tabs = page.getByRole('tablist', { name: 'Inspect sections' });
  const overview = tabs.getByRole('tab', { name: 'Overview' });
  await tabTo(page, overview);
  await expect(tabs.locator('[role="tab"][tabindex="0"]')).toHaveCount(1);
  await page.keyboard.press('ArrowRight');
  const windows = tabs.getByRole('tab', { name: 'AV/AS windows' });
  await focused(windows);
  await expect(windows).toHaveAttribute('aria-selected', 'true');
  await expect(overview).toHaveAttribute('tabindex', '-1');
  await expect(page.getByTestId('avas-windows')).toBeVisible();
  await windows.scrollIntoViewIfNeeded();
  await shot(page, '17-inspect-keyboard');
  await page.keyboard.press('End');
  const entries = tabs.getByRole('tab', { name: /Entries/ });
  await focused(entries);
  await expect(page.getByTestId('entries')).toContainText('posture-update.xml');
  await page.keyboard.press('ArrowRight'); // wraps to the first
  await focused(overview);
  await page.keyboard.press('ArrowLeft'); // wraps to the last
  await focused(entries);
  await page.keyboard.press('Home');
  await focused(overview);
  await expect(page.getByTestId('checks')).toContainText('passed');
  // Tab leaves the tab row for the panel, which names its tab
  await page.keyboard.press('Tab');
  const panel = page.getByRole('tabpanel', { name: 'Overview' });
  await focused(panel);

  // back up to "Preview & apply…"
  await tabTo(page, page.getByRole('button', { name: 'Preview & apply…' }), 'Shift+Tab');
  await page.keyboard.press('Enter');
  await focused(page.getByRole('heading', { level: 1, name: 'Preview & apply' }));
  const lab = page.getByRole('checkbox', { name: /Local lab node/ });
  await tabTo(page, lab);
  await expect(lab).toBeChecked();
  await page.keyboard.press('Space');
  await expect(lab).not.toBeChecked();
  await expect(page.getByRole('button', { name: 'Preview changes' })).toBeDisabled();
  await page.keyboard.press('Space');
  await expect(lab).toBeChecked();
  await tabTo(page, page.getByRole('button', { name: 'Preview changes' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('diff').getByTestId('version-diff')).toContainText('300418.0.0.0', { timeout: 60_000 });

  await tabTo(page, page.getByTestId('push'));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('push-target').getByTestId('push-result')).toHaveText('applied', { timeout: 60_000 });
});
