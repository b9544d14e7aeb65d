/**
 * ISE's Update Information as admins paste it (the seed's two screenshots' text, the table form, Markdown,
 * label and value on separate lines) and ise-psc.log as ISE writes it, in English and in the Japanese page's form.
 */
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { parseIseStatus } from './status.js';
import { scanIseLog, LOG_BOUNDS } from './log.js';

/** The seed's "after" block, as copied from the GUI (bold values). */
export const SEED_AFTER = `Update Information

Last successful update on: **2025/03/13 14:24:50**

Last update status since ISE was started: **Last update attempt at 2025/03/13 14:24:50 was successful**

Cisco conditions version: **300418.0.0.0**

Cisco AV/AS support chart version for windows: **297.0.0.0**

Cisco AV/AS support chart version for Mac OSX: **214.0.0.0**

Cisco AV/AS support chart version for Linux: **66.0.0.0**

Cisco supported OS version: **101.6.3.0**
`;

/** The seed's log excerpt, Japanese page as shown (wrapped events, 情報 without spaces). */
export const SEED_LOG_JA = `2025-03-13 13:58:07,246 INFO [admin-http-pool5][[]]
cisco.cpm.posture.download.DownloadManager -::admin::- opswatのダウンロードを開始
2025-03-13 13:58:07,251 INFO [admin-http-pool5][[]]
cisco.cpm.posture.download.DownloadManager -::admin::- オフラインダウンロードファイルURI
:/opt/CSCOCpm/temp/cp/update/5c064701-a1ee-4a09-a190-3bf83c190af6/osgroupsV2.tar.gz
2025-03-13 13:58:07,251 INFO [admin-http-pool5][[]]
cisco.cpm.posture.download.DownloadManager -::admin::- オフラインダウンロードファイルURI
:/opt/CSCOCpm/temp/cp/update/5c064701-a1ee-4a09-a190-3bf83c190af6/osgroups.tar.gz
2025-03-13 13:58:07,251情報[admin-http-pool5][[]]
2025-03-13 14:24:50,796 INFO [pool-25534-thread-1][[]]
mnt.dbms.datadirect.impl.DatadirectServiceImpl -:::- getStatusの実行 - datadirectSettings
2025-03-13 14:24:50,803 INFO [admin-http-pool5][[]]
cisco.cpm.posture.download.DownloadManager -::admin::- Completed opswat download
2025-03-13 14:24:50,827 INFO [admin-http-pool5][[]]
mnt.dbms.datadirect.impl.DatadirectServiceImpl -::admin::- getStatusの実行 - datadirectSettings
`;

const stream = (text: string, chunk = 7) =>
  Readable.from(Buffer.from(text).reduce<Buffer[]>((a, _b, i, all) => (i % chunk === 0 ? [...a, all.subarray(i, i + chunk)] : a), []));

describe('Update Information as pasted', () => {
  it("the seed's block: five versions, last successful update, ISE's status words", () => {
    expect(parseIseStatus(SEED_AFTER)).toEqual({
      versions: {
        conditions: '300418.0.0.0',
        avasWindows: '297.0.0.0',
        avasMac: '214.0.0.0',
        avasLinux: '66.0.0.0',
        supportedOs: '101.6.3.0',
      },
      lastSuccessfulUpdate: '2025/03/13 14:24:50',
      lastUpdateStatus: 'Last update attempt at 2025/03/13 14:24:50 was successful',
      updating: false,
      lastAttempt: { at: '2025/03/13 14:24:50', successful: true },
      repeated: [],
    });
  });

  it('the Component/Version table (tabs), Markdown table, odd spaces, value on the next line, the Japanese heading', () => {
    const table = 'Component\tVersion\nCisco conditions version\t280052.0.0.0\nCisco AV/AS support chart version for windows\t263.0.0.0\n';
    expect(parseIseStatus(table).versions).toEqual({ conditions: '280052.0.0.0', avasWindows: '263.0.0.0' });
    const md = '| Component | Version |\n|---|---|\n| Cisco AV/AS support chart version for Mac OSX | 181.0.0.0 |\n';
    expect(parseIseStatus(md).versions).toEqual({ avasMac: '181.0.0.0' });
    const odd =
      '更新情報\r\n  cisco\u00a0supported   OS version ：\u3000 84.6.2.0\r\nCisco AV/AS support chart version for Linux\n\n  33.0.0.0\n';
    expect(parseIseStatus(odd).versions).toEqual({ supportedOs: '84.6.2.0', avasLinux: '33.0.0.0' });
  });

  it('"No Update since Installation" and "An update is running" (the seed\'s first screenshot)', () => {
    const s = parseIseStatus(
      'Last successful update on: **No Update since Installation**\nLast update status since ISE was started: **An update is running**\nCisco conditions version: **280052.0.0.0**\n',
    );
    expect(s).toMatchObject({ lastSuccessfulUpdate: null, updating: true, lastAttempt: null, versions: { conditions: '280052.0.0.0' } });
  });

  it('two blocks pasted (before and after): the last value of each wins and the repetition is said', () => {
    const before = 'Cisco conditions version: 280052.0.0.0\n';
    expect(parseIseStatus(before + SEED_AFTER)).toMatchObject({
      versions: { conditions: '300418.0.0.0' },
      repeated: ['Cisco conditions version'],
    });
  });

  it('refuses text without any Update Information line, and text far too large', () => {
    expect(() => parseIseStatus('hello\nworld')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseIseStatus('x'.repeat(1024 * 1024 + 1))).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('ise-psc.log', () => {
  it("the Japanese page's wrapped lines: one run, its two URIs, Completed, in ISE's local time", async () => {
    const scan = await scanIseLog(stream(SEED_LOG_JA));
    expect(scan).toMatchObject({ lines: 15, firstAt: '2025-03-13 13:58:07,246', lastAt: '2025-03-13 14:24:50,827', runsDropped: 0 });
    expect(scan.runs).toEqual([
      {
        startedAt: '2025-03-13 13:58:07,246',
        startLine: 1,
        completedAt: '2025-03-13 14:24:50,803',
        completedLine: 12,
        thread: 'admin-http-pool5',
        who: 'admin',
        uris: [
          {
            at: '2025-03-13 13:58:07,251',
            uri: '/opt/CSCOCpm/temp/cp/update/5c064701-a1ee-4a09-a190-3bf83c190af6/osgroupsV2.tar.gz',
            line: 3,
          },
          {
            at: '2025-03-13 13:58:07,251',
            uri: '/opt/CSCOCpm/temp/cp/update/5c064701-a1ee-4a09-a190-3bf83c190af6/osgroups.tar.gz',
            line: 6,
          },
        ],
        errors: [],
      },
    ]);
  });

  it('one line per event in English (CRLF); a run without Completed; a new run before the last completed', async () => {
    const dm = 'cisco.cpm.posture.download.DownloadManager';
    const log = [
      `2025-03-12 09:00:00,001 INFO  [admin-http-pool1][[]] ${dm} -::alice::- Starting opswat download`,
      `2025-03-12 09:00:01,001 ERROR [admin-http-pool1][[]] ${dm} -::alice::- Offline update failed: invalid archive`,
      `2025-03-13 13:58:07,246 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Starting opswat download`,
      `2025-03-13 13:58:07,251 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Offline download file URI :/opt/CSCOCpm/temp/cp/update/u/osgroupsV2.tar.gz`,
      `2025-03-13 14:24:50,803 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Completed opswat download`,
    ].join('\r\n');
    const scan = await scanIseLog(stream(log, 1000));
    expect(scan.runs.map((r) => [r.startedAt, r.completedAt, r.who, r.uris.length, r.errors.length])).toEqual([
      ['2025-03-12 09:00:00,001', null, 'alice', 0, 1],
      ['2025-03-13 13:58:07,246', '2025-03-13 14:24:50,803', 'admin', 1, 0],
    ]);
  });

  it('large logs stream in bounded memory: many runs keep only the newest, a huge line is cut', async () => {
    const dm = 'cisco.cpm.posture.download.DownloadManager';
    async function* big() {
      yield `2025-01-01 00:00:00,000 INFO  [t][[]] x -::a::- ${'y'.repeat(200_000)}\n`;
      for (let i = 0; i < 2000; i++) {
        const t = `2025-03-13 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
        yield `${t},000 INFO  [p][[]] ${dm} -::admin::- Starting opswat download\n${t},500 INFO  [p][[]] ${dm} -::admin::- Completed opswat download\n`;
        for (let j = 0; j < 20; j++) yield `${t},600 INFO  [p][[]] other.Logger -::admin::- noise ${j}\n`;
      }
    }
    const scan = await scanIseLog(big());
    expect(scan.lines).toBe(1 + 2000 * 22);
    expect(scan.longLines).toBe(1);
    expect(scan.runs).toHaveLength(LOG_BOUNDS.maxRuns);
    expect(scan.runsDropped).toBe(2000 - LOG_BOUNDS.maxRuns);
  });
});
