/**
 * The handler table over real core code and a real lab node agent (HTTPS on 127.0.0.1); only the
 * shell's capabilities are injected (file secrets, no dialogs). Calls go through dispatch, as from IPC/HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type HandlerContext } from './context.js';
import { createHandlers } from './index.js';
import { handlerClient } from './testing.js';
import { fileSecretBox } from '../secrets.js';
import type { HandlerTable, PushTargetResult } from '../contract.js';
import { writeBundle } from '../../bundle/index.js';
import { parentPath } from '../../bundle/fixtures/container.js';

let home: string;
let ctx: HandlerContext;
let handlers: HandlerTable;

const { call, refusal, finished } = handlerClient(() => handlers);

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ps-handlers-'));
  ctx = createContext({ home, shell: 'browser', secrets: fileSecretBox(home) });
  handlers = createHandlers(ctx);
});

afterAll(async () => {
  await ctx.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('library handlers', () => {
  it('refuses a hostile zip with its code, leaving the library and the downloads folder as they were', async () => {
    const before = await call('listLibrary');
    const error = await refusal('importBundle', { name: 'posture-offline.zip', dataBase64: b64(parentPath()) });
    expect(error.code).toBe('ZIP_UNSAFE_PATH');
    expect(error.message).toMatch(/\.\./);
    expect(await call('listLibrary')).toEqual(before);
    expect(readdirSync(join(home, 'downloads'))).toEqual([]);
    expect((await call('listActivity'))[0]).toMatchObject({ kind: 'import', result: 'refused', code: 'ZIP_UNSAFE_PATH' });
  });

  it('marks an older bundle stale once a newer one is known', async () => {
    const old = await call('importBundle', {
      name: 'old.zip',
      dataBase64: b64(
        await writeBundle({
          seed: 5,
          versions: {
            conditions: '280052.0.0.0',
            avasWindows: '263.0.0.0',
            avasMac: '181.0.0.0',
            avasLinux: '33.0.0.0',
            supportedOs: '84.6.2.0',
          },
        }),
      ),
    });
    expect(old.stale).toBe(false);
    const next = await call('importBundle', { name: 'new.zip', dataBase64: b64(await writeBundle({ seed: 5 })) });
    const rows = await call('listLibrary');
    expect(rows.find((r) => r.sha256 === old.sha256)?.stale).toBe(true);
    expect(rows.find((r) => r.sha256 === next.sha256)).toMatchObject({ stale: false, verified: true, layout: 'reference' });
    const inspection = await call('inspectBundle', { sha256: next.sha256 });
    expect(inspection.versions?.conditions).toBe('300418.0.0.0');
    expect(inspection.checks.every((c) => c.status !== 'failed')).toBe(true);
    // the searchable Conditions & policies lists get every name, defaults included
    expect(inspection.conditionsIndex?.policies).toContain('Default_AntiMalware_Policy_Win');
    const cond = inspection.components.find((c) => c.id === 'conditions')?.summary;
    expect(cond?.kind === 'conditions' && cond.counts.checks).toBe(inspection.conditionsIndex?.checks.length);
  });
});

describe('lab node: preview, push, downgrade', () => {
  it('applies the sample on the lab node and refuses a downgrade without touching the node', async () => {
    const lab = await call('startLab');
    const targets = await call('listTargets');
    expect(targets).toEqual([
      expect.objectContaining({ id: lab.targetId, kind: 'https', lab: true, pinned: expect.stringMatching(/^SHA256:/) }),
    ]);
    // the token is sealed at rest
    const token = readFileSync(join(home, 'lab-node', 'token'), 'utf8').trim();
    expect(readFileSync(join(home, 'targets.json'), 'utf8')).not.toContain(token);

    const [preview] = await call('previewApply', { sha256: lab.sha256, targetIds: [lab.targetId] });
    expect(preview?.ok).toBe(true);
    expect(preview?.diff?.components.every((c) => c.change === 'new')).toBe(true);

    // a dry run checks and uploads but changes nothing on the node
    const dry = await finished((await call('startPush', { sha256: lab.sha256, targetIds: [lab.targetId], dryRun: true })).jobId);
    expect((dry.result as PushTargetResult[])[0]?.ok).toBe(true);
    expect((await call('nodeStatus', { id: lab.targetId })).status.versions.conditions).toBe('0.0.0.0');

    const job = await finished((await call('startPush', { sha256: lab.sha256, targetIds: [lab.targetId] })).jobId);
    expect(job.state).toBe('done');
    const [result] = job.result as PushTargetResult[];
    expect(result?.ok).toBe(true);
    expect(result?.result?.status.versions.conditions).toBe('300418.0.0.0');
    expect(job.steps.filter((s) => s.state === 'done').map((s) => s.step)).toEqual(
      expect.arrayContaining(['check', 'upload', 'verify', 'apply']),
    );
    expect((await call('nodeStatus', { id: lab.targetId })).status.versions.conditions).toBe('300418.0.0.0');

    // an older bundle: the preview flags the downgrade, the node refuses it, nothing changes
    const older = await call('importBundle', {
      name: 'older.zip',
      dataBase64: b64(await writeBundle({ seed: 9, versions: { conditions: '280052.0.0.0' } })),
    });
    const [down] = await call('previewApply', { sha256: older.sha256, targetIds: [lab.targetId] });
    expect(down?.diff?.downgrade).toBe(true);
    expect(down?.diff?.components.find((c) => c.id === 'conditions')?.change).toBe('downgrade');
    const refused = await finished((await call('startPush', { sha256: older.sha256, targetIds: [lab.targetId] })).jobId);
    const [r2] = refused.result as PushTargetResult[];
    expect(r2?.ok).toBe(false);
    expect(r2?.error?.code).toBe('DOWNGRADE_REFUSED');
    expect((await call('nodeStatus', { id: lab.targetId })).status.versions.conditions).toBe('300418.0.0.0');
    expect((await call('listActivity')).find((e) => e.code === 'DOWNGRADE_REFUSED')?.result).toBe('refused');
    // secrets go to the transfer code in memory: no secret file is ever written
    expect(existsSync(join(home, 'private'))).toBe(false);
  });

  it('refuses an unknown target and bad ids before doing anything', async () => {
    expect((await refusal('testTarget', { id: 'nope' })).code).toBe('NOT_FOUND');
    expect((await refusal('testTarget', { id: '../x' })).code).toBe('USAGE');
  });
});

describe('fetch', () => {
  it('reports an unreachable feed as a failed job with its code, recorded in Activity', async () => {
    const job = await finished((await call('startFetch', { url: 'https://127.0.0.1:1/posture-offline.zip' })).jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('UNREACHABLE');
    expect((await call('listActivity'))[0]).toMatchObject({ kind: 'fetch', code: 'UNREACHABLE' });
  });

  it('cancels a running fetch', async () => {
    const { jobId } = await call('startFetch', { url: 'https://127.0.0.1:1/posture-offline.zip' });
    expect((await call('cancelJob', { jobId })).id).toBe(jobId);
    expect((await finished(jobId)).state).toBe('cancelled');
  });
});

describe('activity report', () => {
  it('exports CSV that spreadsheets cannot execute and HTML with a signature block', async () => {
    ctx.activity.add({ kind: 'import', what: '=HYPERLINK("http://x")', result: 'refused', code: 'ZIP_CORRUPT' });
    const csv = await call('activityReport', { format: 'csv' });
    expect(csv.mimeType).toBe('text/csv');
    expect(csv.content.split('\r\n')[0]).toBe('at,who,kind,what,target,sha256,result,code,message,evidence');
    expect(csv.content).toContain(`"'=HYPERLINK(""http://x"")"`);
    const html = await call('activityReport', { format: 'html' });
    expect(html.content).toContain('Approved by');
    expect(html.content).not.toContain('<script');
    expect(html.content).toContain('=HYPERLINK(&quot;http://x&quot;)');
  });
});
