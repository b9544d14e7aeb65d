/**
 * The library as the app shows it stays true (issue 12 §5), with real files and the real CLI: a bundle added from
 * a terminal moves the change counter; a copy corrupted on disk is listed as damaged and refused in the app's
 * words; the same bundle imported again keeps its name and says so; delete removes it. "Prepare a node…" writes a
 * kit as a job with progress (issue 13 §2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createContext, type HandlerContext } from './context.js';
import { createHandlers } from './index.js';
import { handlerClient } from './testing.js';
import { fileSecretBox } from '../secrets.js';
import type { HandlerTable, KitWritten } from '../contract.js';
import { writeBundle } from '../../bundle/index.js';
import { VERSION } from '../../version.js';
import { writeMiniKit } from '../../../e2e/peers/index.js';

const run = promisify(execFile);
const CLI = resolve(fileURLToPath(new URL('../../cli/bin.js', import.meta.url)));

let home: string;
let work: string;
let ctx: HandlerContext;
let handlers: HandlerTable;
const { call, refusal, finished } = handlerClient(() => handlers);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Polls the change counter until it moves past `from` (the watch is debounced). */
async function changedFrom(from: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { version } = await call('libraryChanges');
    if (version > from) return version;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the library change counter did not move');
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ps-library-state-'));
  work = mkdtempSync(join(tmpdir(), 'ps-library-state-work-'));
  ctx = createContext({ home, shell: 'browser', secrets: fileSecretBox(home) });
  handlers = createHandlers(ctx);
});

afterAll(async () => {
  await ctx.dispose();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('library state that stays true', () => {
  it('sees a bundle added from a terminal, keeps a re-imported bundle’s name, marks a corrupted copy damaged, deletes', async () => {
    // the counter starts before the library folder exists, and follows it once it appears
    const start = (await call('libraryChanges')).version;
    const file = join(work, 'from-terminal.zip');
    writeFileSync(file, await writeBundle({ seed: 21 }));
    await run(process.execPath, [CLI, 'library', 'add', file, '--json'], { env: { ...process.env, POSTURE_STAGE_HOME: home } });
    const v1 = await changedFrom(start);
    const [added] = await call('listLibrary');
    expect(added).toMatchObject({ fileName: 'from-terminal.zip', verified: true });

    // the same bytes under another name: nothing renamed, and it says under which name it is known
    const again = await call('importBundle', { name: 'renamed-copy.zip', dataBase64: b64(readFileSync(file)) });
    expect(again).toMatchObject({ sha256: added!.sha256, fileName: 'from-terminal.zip', alreadyAs: 'from-terminal.zip' });
    expect((await call('listActivity'))[0]?.what).toBe('renamed-copy.zip: already in the library as from-terminal.zip');
    expect((await call('listLibrary')).map((r) => r.fileName)).toEqual(['from-terminal.zip']);

    // a byte of the stored copy changes on disk: the watch notices, the list marks it, every use refuses it
    const copy = join(home, 'bundles', `${added!.sha256}.zip`);
    await new Promise((r) => setTimeout(r, 50));
    const fd = openSync(copy, 'r+');
    writeSync(fd, Buffer.from([0x00]), 0, 1, 100);
    closeSync(fd);
    const v2 = await changedFrom(v1);
    const [damaged] = await call('listLibrary');
    expect(damaged).toMatchObject({ sha256: added!.sha256, verified: false, damaged: { actual: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const refused = await refusal('inspectBundle', { sha256: added!.sha256 });
    expect(refused.code).toBe('LIBRARY_DAMAGED');
    expect(refused.message).toMatch(
      /^The library copy of from-terminal\.zip is damaged: its bytes changed on disk after it was checked .*Import or fetch the bundle again \(that replaces the copy\), or delete it from the Library\.$/,
    );
    expect(refused.message).not.toContain('posture-stage library');

    // importing the genuine bytes again replaces the damaged copy, under the name it had
    const repaired = await call('importBundle', { name: 'other-name.zip', dataBase64: b64(readFileSync(file)) });
    expect(repaired).toMatchObject({ fileName: 'from-terminal.zip', verified: true });
    expect(repaired.alreadyAs).toBeUndefined();
    const v3 = await changedFrom(v2);

    const removed = await call('removeBundle', { sha256: added!.sha256 });
    expect(removed).toEqual({ sha256: added!.sha256, fileName: 'from-terminal.zip' });
    expect(await call('listLibrary')).toEqual([]);
    expect(readdirSync(join(home, 'bundles')).filter((n) => !n.startsWith('.'))).toEqual([]);
    await changedFrom(v3);
    expect((await refusal('removeBundle', { sha256: added!.sha256 })).code).toBe('NOT_FOUND');
    expect((await call('listActivity'))[0]).toMatchObject({ kind: 'delete', what: 'deleted from-terminal.zip from the library' });
  });

  it('writes a node kit to a folder as a job with progress, and says where kits come from', async () => {
    const info = await call('kitInfo');
    expect(info.appVersion).toBe(VERSION);
    expect(info.kit !== null || typeof info.note === 'string').toBe(true);

    const from = writeMiniKit(join(work, 'kit-source'), VERSION);
    const out = join(work, 'usb', 'node-kit');
    const job = await finished((await call('startKit', { out, from })).jobId);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    expect(job.kind).toBe('kit');
    expect(job.progress).toMatchObject({ done: 3 * 256 * 1024, total: 3 * 256 * 1024 });
    const written = job.result as KitWritten;
    expect(written.files.map((f) => f.file).sort()).toEqual(
      [
        `posture-stage-${VERSION}-linux-x64`,
        `posture-stage-${VERSION}-linux-x64.tar.gz`,
        `posture-stage_${VERSION}_amd64.deb`,
        'INSTALL.txt',
        'SHA256SUMS',
        'kit.json',
      ].sort(),
    );
    expect(written.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.size > 0)).toBe(true);
    expect(written.install).toContain('sha256sum -c SHA256SUMS');
    expect(written.signer).toBeNull();
    expect(readdirSync(out).sort()).toEqual(written.files.map((f) => f.file).sort());

    // a folder that holds no kit is refused before anything is written
    const nothing = join(work, 'usb', 'nothing');
    const other = await finished((await call('startKit', { out: nothing, from: join(work, 'no-kit-here') })).jobId);
    expect(other.state).toBe('failed');
    expect(other.error?.code).toBe('NOT_FOUND');
    expect(existsSync(nothing)).toBe(false);
    expect((await call('listActivity'))[0]).toMatchObject({ kind: 'kit', result: 'refused', code: 'NOT_FOUND' });
  });
});
