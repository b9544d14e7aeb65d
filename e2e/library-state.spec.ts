/**
 * The Library screen stays true (issue 12 §5), through `posture-stage ui` with the real CLI beside it: a bundle
 * added from a terminal shows up without a reload; a library copy corrupted on disk is reported as damaged
 * (LIBRARY_DAMAGED, in the app's words, with what to do) and refused when used; the same bundle imported again is
 * not renamed and says under which name it is known; rows are a real choice (aria-selected, arrow keys); one banner
 * at a time, dismissible, over the page; delete asks first.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test, expect, go, shot, CLI } from './fixtures.js';
import { writeBundle } from '../core/bundle/index.js';

const run = promisify(execFile);
let work: string;

test.beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'ps-e2e-library-'));
});

test.afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

test('follows the library on disk: a terminal’s add shows up, a corrupted copy is damaged, re-import keeps the name, delete asks', async ({
  app: page,
  home,
}) => {
  await go(page, 'Library');
  const grid = page.getByRole('grid', { name: 'Bundles in the library' });
  const banner = page.getByTestId('banner');

  // a bundle added from a terminal, while the screen is open: it appears without a reload
  const older = join(work, 'posture-offline-280052.zip');
  writeFileSync(
    older,
    await writeBundle({
      seed: 31,
      versions: {
        conditions: '280052.0.0.0',
        avasWindows: '263.0.0.0',
        avasMac: '181.0.0.0',
        avasLinux: '33.0.0.0',
        supportedOs: '84.6.2.0',
      },
    }),
  );
  await run(process.execPath, [CLI, 'library', 'add', older, '--json'], { env: { ...process.env, POSTURE_STAGE_HOME: home } });
  await expect(grid.getByRole('row', { name: /posture-offline-280052\.zip/ })).toBeVisible({ timeout: 15_000 });

  // one imported in the app: newest first and selected
  const newer = join(work, 'newer.zip');
  writeFileSync(newer, await writeBundle({ seed: 31 }));
  await page.getByTestId('import-file').setInputFiles(newer);
  await expect(banner.getByRole('status')).toHaveText('newer.zip passed every check and was added to the library.');
  const rows = grid.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'false');

  // the same bytes under another name: nothing renamed; the new banner replaces the old one
  await page.getByTestId('import-file').setInputFiles({ name: 'renamed.zip', mimeType: 'application/zip', buffer: readFileSync(newer) });
  await expect(banner.getByRole('status')).toHaveText('renamed.zip is already in the library as newer.zip; nothing was added or renamed.');
  await expect(banner.locator(':scope > *')).toHaveCount(1);
  await expect(rows).toHaveCount(2);
  await expect(grid).not.toContainText('renamed.zip');

  // the banner lies over the page: showing or dismissing it moves nothing
  const before = await grid.boundingBox();
  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await expect(banner.locator(':scope > *')).toHaveCount(0);
  expect(await grid.boundingBox()).toEqual(before);

  // rows are a choice made with the keyboard too: the selected row is the grid's tab stop
  await rows.nth(0).focus();
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toBeFocused();
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(rows.nth(0)).toHaveAttribute('aria-selected', 'false');
  await expect(rows.nth(0)).toHaveAttribute('tabindex', '-1');
  await page.keyboard.press('Home');
  await expect(rows.nth(0)).toBeFocused();

  // a byte of the newer copy changes on disk: the row says damaged, the screen says what to do
  const sha = (await rows.nth(0).getAttribute('data-sha256')) as string;
  const copy = join(home, 'bundles', `${sha}.zip`);
  const fd = openSync(copy, 'r+');
  writeSync(fd, Buffer.from([0xff]), 0, 1, 200);
  closeSync(fd);
  await expect(rows.nth(0).getByTestId('damaged')).toHaveText('damaged', { timeout: 15_000 });
  await expect(page.getByTestId('damaged-warning')).toContainText('Import or fetch it again (that replaces the copy), or delete it.');

  // using it is refused with LIBRARY_DAMAGED, in the app's words
  await rows.nth(0).getByRole('button', { name: 'Inspect' }).click();
  await expect(page.getByTestId('error-code')).toHaveText('LIBRARY_DAMAGED');
  await expect(page.getByTestId('error-message')).toContainText('The library copy of newer.zip is damaged: its bytes changed on disk');
  await expect(page.getByTestId('error-message')).toContainText(
    'Import or fetch the bundle again (that replaces the copy), or delete it from the Library.',
  );
  await expect(page.getByTestId('error-message')).not.toContainText('posture-stage library');
  await go(page, 'Library');
  await shot(page, '31-library-damaged');

  // delete asks first; keeping it changes nothing
  await rows.nth(0).getByRole('button', { name: 'Delete newer.zip…' }).click();
  const confirm = page.getByTestId('confirm-delete');
  await expect(confirm).toContainText('Delete newer.zip');
  await expect(confirm.getByRole('button', { name: 'Delete bundle' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await expect(rows).toHaveCount(2);
  await rows.nth(0).getByRole('button', { name: 'Delete newer.zip…' }).click();
  await confirm.getByRole('button', { name: 'Delete bundle' }).click();
  await expect(banner.getByRole('status')).toHaveText('Deleted newer.zip from the library.');
  await expect(rows).toHaveCount(1);
  await expect(rows.nth(0)).toHaveAttribute('aria-selected', 'true');
  const { stdout } = await run(process.execPath, [CLI, 'library', 'list', '--json'], { env: { ...process.env, POSTURE_STAGE_HOME: home } });
  expect((JSON.parse(stdout) as { bundles: Array<{ sha256: string }> }).bundles.map((b) => b.sha256)).not.toContain(sha);

  await go(page, 'Activity');
  await expect(page.getByTestId('activity').locator('tr', { hasText: 'deleted newer.zip' })).toContainText('success');
});
