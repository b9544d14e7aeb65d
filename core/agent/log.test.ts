import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, rm, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLogLine, writeLog, readLogTail, iseTime } from './log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ise-psc.log', () => {
  it("writes ISE's log4j shape", () => {
    const at = new Date(2025, 2, 13, 13, 58, 7, 246);
    expect(formatLogLine({ level: 'INFO', thread: 'admin-http-pool5', who: 'admin', message: 'Starting opswat download' }, at)).toBe(
      '2025-03-13 13:58:07,246 INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Starting opswat download',
    );
    expect(formatLogLine({ level: 'ERROR', thread: 't', who: 'u', message: 'a\nb' }, at)).toMatch(
      /,246 ERROR \[t\]\[\[\]\] .* -::u::- a b$/,
    );
    expect(iseTime(at)).toBe('2025/03/13 13:58:07');
  });

  it('rotates by size and tails the newest lines', async () => {
    for (let i = 0; i < 50; i++)
      await writeLog(dir, [{ level: 'INFO', thread: 't', who: 'w', message: `line ${i} ${'x'.repeat(80)}` }], { maxBytes: 1000, keep: 3 });
    const files = (await readdir(join(dir, 'logs'))).sort();
    expect(files).toEqual(['ise-psc.log', 'ise-psc.log.1', 'ise-psc.log.2', 'ise-psc.log.3']);
    for (const f of files) expect((await readFile(join(dir, 'logs', f))).length).toBeLessThanOrEqual(1000);
    const tail = await readLogTail(dir, 2);
    expect(
      tail
        .trim()
        .split('\n')
        .map((l) => /line (\d+)/.exec(l)![1]),
    ).toEqual(['48', '49']);
    expect(await readLogTail(dir, 0)).toBe('');
  });

  it('tails a missing log as empty', async () => {
    expect(await readLogTail(dir, 10)).toBe('');
  });
});
