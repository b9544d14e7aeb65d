/** Removing a target (its pin and sealed credentials) takes a second, explicit click. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, go } from './fixtures.js';

test('removes a target only after the removal is confirmed', async ({ app: page, home }) => {
  await page.getByTestId('try-locally').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inspect' })).toBeVisible();
  await go(page, 'Targets');
  const targets = page.getByTestId('targets').locator(':scope > li');
  await expect(targets).toHaveCount(1);

  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(page.getByTestId('confirm-remove')).toContainText('Local lab node');
  await page.getByRole('button', { name: 'Keep it' }).click();
  await expect(page.getByTestId('confirm-remove')).toHaveCount(0);
  await expect(targets).toHaveCount(1);

  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await page.getByRole('button', { name: 'Remove target' }).click();
  await expect(targets).toHaveCount(0);
  expect((JSON.parse(readFileSync(join(home, 'targets.json'), 'utf8')) as { targets: unknown[] }).targets).toEqual([]);
});
