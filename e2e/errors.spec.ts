/** A screen whose data cannot be read says what failed and what to do, instead of staying blank. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, go } from './fixtures.js';

test('Settings shows why a damaged settings file cannot be read', async ({ app: page, home }) => {
  writeFileSync(join(home, 'settings.json'), '{"feedUrl": ');
  await go(page, 'Settings');
  await expect(page.getByTestId('error-code')).toHaveText('STORE_CORRUPT');
  await expect(page.getByTestId('error-message')).toContainText('settings.json is not valid JSON');
  await expect(page.getByTestId('error-message')).toContainText('delete it to start over');
});
