/**
 * The hand-off folder (posture-offline.zip re-verified, .sha256 for sha256sum, HANDOFF.txt in ISE's words) and
 * confirm's verdicts: per component present/older/newer for the reference layout, the log run for a layout that
 * is not recognised, and precise reasons when ISE did not take it.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkBundle } from '../bundle/index.js';
import { sampleFile, sha256, unknownLayoutZips, NEW_VERSIONS, OLD_VERSIONS } from '../agent/testing.js';
import { writeHandoff } from './handoff.js';
import { confirmIse } from './confirm.js';
import { localTime } from './handoff-text.js';

const run = promisify(execFile);
let dir: string;
let ref: string;
let unknown: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ise-handoff-'));
  ref = await sampleFile(dir, 'ref.zip', { versions: NEW_VERSIONS });
  unknown = join(dir, 'cisco.zip');
  await writeFile(unknown, (await unknownLayoutZips())[1]!.bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const status = (v: Record<string, string>, at = '2025/03/13 14:24:50') =>
  [
    `Last successful update on: **${at}**`,
    `Last update status since ISE was started: **Last update attempt at ${at} was successful**`,
    `Cisco conditions version: **${v.conditions}**`,
    `Cisco AV/AS support chart version for windows: **${v.avasWindows}**`,
    `Cisco AV/AS support chart version for Mac OSX: **${v.avasMac}**`,
    `Cisco AV/AS support chart version for Linux: **${v.avasLinux}**`,
    `Cisco supported OS version: **${v.supportedOs}**`,
  ].join('\n');

const dm = 'cisco.cpm.posture.download.DownloadManager';
const runLog = (start: string, end: string | null) =>
  [
    `${start},246 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Starting opswat download`,
    `${start},251 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Offline download file URI :/opt/CSCOCpm/temp/cp/update/u/osgroupsV2.tar.gz`,
    ...(end ? [`${end},803 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Completed opswat download`] : []),
    '',
  ].join('\n');
const log = (text: string) => ({ name: 'ise-psc.log', bytes: Readable.from([Buffer.from(text)]) });

describe('writeHandoff', () => {
  it('writes the three files: the same bytes, a sha256sum line that checks, HANDOFF.txt with the GUI steps and five versions', async () => {
    const out = join(dir, 'out-ref');
    const bytes = await readFile(ref);
    const r = await writeHandoff({ file: ref, sha256: sha256(bytes), source: 'library', deployment: 'ise-pan-01.example.com' }, out);
    expect((await readdir(out)).sort()).toEqual(['HANDOFF.txt', 'posture-offline.zip', 'posture-offline.zip.sha256']);
    expect(sha256(await readFile(join(out, 'posture-offline.zip')))).toBe(sha256(bytes));
    expect((await run('sha256sum', ['-c', 'posture-offline.zip.sha256'], { cwd: out })).stdout).toBe('posture-offline.zip: OK\n');
    const text = await readFile(join(out, 'HANDOFF.txt'), 'utf8');
    expect(text).toContain('Administration > System > Settings > Posture');
    expect(text).toContain('Click the Offline option.');
    expect(text).toContain('Click Update Now.');
    expect(text).toContain('once, on the PAN ise-pan-01.example.com');
    expect(text).toContain(sha256(bytes));
    expect(text).toMatch(/Cisco conditions version:\s+300418\.0\.0\.0/);
    expect(text).toMatch(/Cisco supported OS version:\s+101\.6\.3\.0/);
    expect(text).toContain('Operations > Troubleshooting > Download Logs');
    expect(text).toContain('Completed opswat download');
    expect(r).toMatchObject({ layout: 'reference', versions: NEW_VERSIONS, unchanged: [] });
  });

  it('again into the same folder: nothing rewritten; for another deployment, or over another file: refused, nothing written', async () => {
    const out = join(dir, 'out-again');
    const src = { file: ref, sha256: sha256(await readFile(ref)), source: 'library', deployment: 'pan-a' };
    const first = await writeHandoff(src, out);
    const before = await readFile(join(out, 'HANDOFF.txt'), 'utf8');
    await new Promise((r) => setTimeout(r, 1100));
    const again = await writeHandoff(src, out);
    expect(again.unchanged).toEqual(['posture-offline.zip', 'posture-offline.zip.sha256', 'HANDOFF.txt']);
    expect(again.document.preparedAt).toBe(first.document.preparedAt);
    expect(await readFile(join(out, 'HANDOFF.txt'), 'utf8')).toBe(before);
    await expect(writeHandoff({ ...src, deployment: 'pan-b' }, out)).rejects.toMatchObject({
      code: 'USAGE',
      details: { files: [join(out, 'HANDOFF.txt')] },
    });
    const other = join(dir, 'out-other');
    await writeHandoff({ file: unknown, sha256: sha256(await readFile(unknown)), source: 'library' }, other);
    await expect(writeHandoff(src, other)).rejects.toMatchObject({ code: 'USAGE' });
    expect(sha256(await readFile(join(other, 'posture-offline.zip')))).toBe(sha256(await readFile(unknown)));
    expect((await readdir(other)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a file that is not the expected one, or whose container is refused, is never handed off', async () => {
    const out = join(dir, 'out-bad');
    await expect(writeHandoff({ file: ref, sha256: 'f'.repeat(64), source: 'x' }, out)).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
    });
    const broken = join(dir, 'broken.zip');
    const bytes = await readFile(ref);
    await writeFile(broken, bytes.subarray(0, bytes.length - 100));
    await expect(writeHandoff({ file: broken, sha256: sha256(await readFile(broken)), source: 'x' }, out)).rejects.toMatchObject({
      code: expect.stringMatching(/^ZIP_/),
    });
    expect(await readdir(out)).toEqual([]);
  });

  it('an unknown layout: no versions promised; the log and the last successful update are what to check', async () => {
    const out = join(dir, 'out-unknown');
    const r = await writeHandoff({ file: unknown, sha256: sha256(await readFile(unknown)), source: 'node stage-01' }, out);
    expect(r).toMatchObject({ layout: 'unknown', versions: null });
    const text = await readFile(join(out, 'HANDOFF.txt'), 'utf8');
    expect(text).toContain('could not be read (layout not recognised)');
    expect(text).not.toMatch(/Cisco conditions version:/);
  });
});

describe('confirm', () => {
  const since = { at: new Date(2025, 2, 13, 13, 50, 0), source: 'HANDOFF.txt' as const };

  it('reference layout: all five present + a completed run after the hand-off → taken', async () => {
    const { inspection } = await checkBundle(ref);
    const r = await confirmIse({
      inspection,
      status: status(NEW_VERSIONS),
      since,
      log: log(runLog('2025-03-13 13:58:07', '2025-03-13 14:24:50')),
    });
    expect(r.verdict).toBe('taken');
    expect(r.components.map((c) => c.verdict)).toEqual(['present', 'present', 'present', 'present', 'present']);
    expect(r.log).toMatchObject({
      verdict: 'completed',
      matchesUpdateInformation: true,
      run: { startedAt: '2025-03-13 13:58:07,246', completedAt: '2025-03-13 14:24:50,803' },
    });
    expect(r.since).toBe(localTime(since.at));
    expect(r.problems).toEqual([]);
  });

  it('one component older → not taken, naming it; one newer → said as such', async () => {
    const { inspection } = await checkBundle(ref);
    const older = await confirmIse({ inspection, status: status({ ...NEW_VERSIONS, avasMac: OLD_VERSIONS.avasMac }) });
    expect(older.verdict).toBe('not-taken');
    expect(older.components.find((c) => c.key === 'avasMac')).toMatchObject({ ise: '181.0.0.0', bundle: '214.0.0.0', verdict: 'older' });
    expect(older.problems).toEqual([
      "Cisco AV/AS support chart version for Mac OSX: ISE shows 181.0.0.0, older than the bundle's 214.0.0.0 — ISE has not taken it.",
    ]);
    const newer = await confirmIse({ inspection, status: status({ ...NEW_VERSIONS, conditions: '300500.0.0.0' }) });
    expect(newer.components[0]).toMatchObject({ verdict: 'newer' });
    expect(newer.verdict).toBe('not-taken');
  });

  it('the log says precisely what is missing: no run, a run without Completed, a run before the hand-off', async () => {
    const { inspection } = await checkBundle(ref);
    const s = status(NEW_VERSIONS);
    const none = await confirmIse({
      inspection,
      status: s,
      since,
      log: log('2025-03-13 14:00:00,000 INFO  [x][[]] other -::a::- hello\n'),
    });
    expect(none.log).toMatchObject({ verdict: 'no-run', run: null });
    expect(none.log!.message).toMatch(/has no "Starting opswat download" line/);
    const cut = await confirmIse({ inspection, status: s, since, log: log(runLog('2025-03-13 13:58:07', null)) });
    expect(cut.log).toMatchObject({ verdict: 'incomplete' });
    expect(cut.log!.message).toMatch(/but no "Completed opswat download"/);
    const early = await confirmIse({ inspection, status: s, since, log: log(runLog('2025-03-13 13:00:00', '2025-03-13 13:10:00')) });
    expect(early.log).toMatchObject({ verdict: 'before-handoff' });
    expect(early.log!.message).toMatch(/before the hand-off \(2025-03-13 13:50:00\)/);
    for (const r of [none, cut, early]) expect(r.verdict).toBe('not-taken');
  });

  it('unknown layout: versions not compared; taken only with a completed run after the hand-off; without a log, cannot tell', async () => {
    const { inspection } = await checkBundle(unknown);
    const s = status(NEW_VERSIONS);
    const noLog = await confirmIse({ inspection, status: s, since });
    expect(noLog.verdict).toBe('cannot-tell');
    expect(noLog.components.every((c) => c.verdict === 'not-compared')).toBe(true);
    // the file mentions ISE's conditions version where it was found (not verified)
    expect(noLog.components[0]!.mentioned).toEqual(['data/payload-01.bin <postureConditions version>']);
    const taken = await confirmIse({ inspection, status: s, since, log: log(runLog('2025-03-13 13:58:07', '2025-03-13 14:24:50')) });
    expect(taken.verdict).toBe('taken');
    const stale = await confirmIse({
      inspection,
      status: status(NEW_VERSIONS, '2025/03/13 13:10:00'),
      since,
      log: log(runLog('2025-03-13 13:00:00', '2025-03-13 13:10:00')),
    });
    expect(stale.verdict).toBe('not-taken');
    expect(stale.problems.join(' ')).toMatch(/before the hand-off/);
  });
});
