/**
 * The app's "Hand off to ISE" step over the real handler table and a real lab node (HTTPS on 127.0.0.1): an
 * unknown-layout bundle previews as "will stage", pushes as staged, is handed off as the same bytes with
 * HANDOFF.txt for the target's deployment, and confirm's verdict and evidence land in Activity and the report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type HandlerContext } from './context.js';
import { createHandlers } from './index.js';
import { handlerClient } from './testing.js';
import { fileSecretBox } from '../secrets.js';
import type { HandlerTable, PushTargetResult } from '../contract.js';
import { unknownLayoutZips, NEW_VERSIONS } from '../../agent/testing.js';
import { STAGING_NOTE } from './apply.js';

let home: string;
let ctx: HandlerContext;
let handlers: HandlerTable;
const { call, refusal, finished } = handlerClient(() => handlers);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ps-handoff-'));
  ctx = createContext({ home, shell: 'browser', secrets: fileSecretBox(home) });
  handlers = createHandlers(ctx);
});
afterAll(async () => {
  await ctx.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('hand off to ISE', () => {
  it('unknown layout: preview says it will be staged, push stages it, hand-off saves the same bytes, confirm goes to Activity', async () => {
    const { targetId } = await call('startLab');
    const bytes = (await unknownLayoutZips({ versions: NEW_VERSIONS }))[0]!.bytes;
    const row = await call('importBundle', { name: 'posture-offline.zip', dataBase64: b64(bytes) });
    expect(row).toMatchObject({ layout: 'unknown', versions: null });

    const [preview] = await call('previewApply', { sha256: row.sha256, targetIds: [targetId] });
    expect(preview).toMatchObject({ ok: true, staging: STAGING_NOTE, current: { conditions: '0.0.0.0' } });
    expect(preview).not.toHaveProperty('diff');

    const { jobId } = await call('startPush', { sha256: row.sha256, targetIds: [targetId] });
    const job = await finished(jobId);
    const [result] = job.result as PushTargetResult[];
    expect(result).toMatchObject({ ok: true, outcome: 'staged', result: { staged: { sha256: row.sha256, layout: 'unknown' } } });
    expect(job.steps.find((s) => s.step === 'apply' && s.state === 'done')?.message).toMatch(/staged for upload to ISE/);
    const node = await call('nodeStatus', { id: targetId });
    expect(node.staged.map((s) => s.sha256)).toEqual([row.sha256]);

    const view = await call('handoffView', { sha256: row.sha256, targetId });
    expect(view.document).toMatchObject({ layout: 'unknown', expected: null, file: { sha256: row.sha256 } });
    expect(view.text).toContain('Administration > System > Settings > Posture');
    expect(view.handedOffAt).toBeNull();

    const dir = join(home, 'usb');
    const saved = await call('saveHandoff', { sha256: row.sha256, dir, targetId });
    expect(saved.unchanged).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['HANDOFF.txt', 'posture-offline.zip', 'posture-offline.zip.sha256']);
    expect(sha(readFileSync(join(dir, 'posture-offline.zip')))).toBe(sha(bytes));
    expect((await call('saveHandoff', { sha256: row.sha256, dir, targetId })).unchanged).toHaveLength(3);
    expect((await call('handoffView', { sha256: row.sha256 })).handedOffAt).toEqual(expect.any(String));
    const page = await call('handoffPage', { sha256: row.sha256, targetId });
    expect(page).toMatchObject({ mimeType: 'text/html', fileName: `handoff-${row.sha256.slice(0, 12)}.html` });
    expect(page.content).toContain('Click Update Now.');

    // ISE's paste without a log: versions cannot be compared → cannot tell; with a completed run after the hand-off → taken
    const at = new Date(Date.now() + 2000);
    const p = (n: number) => String(n).padStart(2, '0');
    const t = `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} ${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`;
    const status = `Last successful update on: ${t.replaceAll('-', '/')}\nLast update status since ISE was started: Last update attempt at ${t.replaceAll('-', '/')} was successful\nCisco conditions version: 300418.0.0.0\n`;
    const noLog = await call('confirmIse', { sha256: row.sha256, status, targetId });
    expect(noLog.verdict).toBe('cannot-tell');
    const dm = 'cisco.cpm.posture.download.DownloadManager';
    const log = `${t},246 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Starting opswat download\n${t},803 INFO  [admin-http-pool5][[]] ${dm} -::admin::- Completed opswat download\n`;
    const taken = await call('confirmIse', {
      sha256: row.sha256,
      status,
      targetId,
      log: { name: 'ise-psc.log', dataBase64: b64(Buffer.from(log)) },
    });
    expect(taken).toMatchObject({ verdict: 'taken', sinceSource: 'hand-off', log: { verdict: 'completed' } });

    const activity = await call('listActivity');
    expect(activity.slice(0, 3).map((a) => [a.kind, a.result])).toEqual([
      ['confirm', 'success'],
      ['confirm', 'refused'],
      ['handoff', 'success'],
    ]);
    expect(activity[0]!.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/^ise-psc\.log ise-psc\.log: completed/)]));
    expect(activity.some((a) => a.kind === 'stage' && a.what.includes('staged for upload to ISE'))).toBe(true);
    const report = await call('activityReport', { format: 'html' });
    expect(report.content).toContain('<tr class="evidence">');
    expect(report.content).toContain('completed — Run');
  });

  it('a target may name its ISE deployment (PAN); the hand-off says so; a bad host name is refused', async () => {
    const bad = await refusal('saveTarget', {
      kind: 'https',
      name: 'stage-02',
      url: 'https://127.0.0.1:9',
      fingerprint: `SHA256:${'A'.repeat(43)}`,
      token: 't',
      deployment: 'not a host',
    });
    expect(bad.code).toBe('USAGE');
    // saved straight into the store: saveTarget would first contact the node, and none runs at this address
    ctx.targets.add({
      kind: 'https',
      name: 'stage-02',
      url: 'https://127.0.0.1:9',
      fingerprint: `SHA256:${'A'.repeat(43)}`,
      token: 't',
      deployment: 'ise-pan-01.example.com',
    });
    const t = (await call('listTargets')).find((x) => x.name === 'stage-02')!;
    expect(t.deployment).toBe('ise-pan-01.example.com');
    const row = (await call('listLibrary'))[0]!;
    const view = await call('handoffView', { sha256: row.sha256, targetId: t.id });
    expect(view.document.deployment).toBe('ise-pan-01.example.com');
    expect(view.text).toContain('once, on the PAN ise-pan-01.example.com');
  });
});
