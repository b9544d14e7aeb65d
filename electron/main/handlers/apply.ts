/** Preview & apply: per-target diff before anything is sent, then the push job with a step timeline. */
import type { HandlerTable, JobStep, PushTargetResult, TargetPreview } from '../../contract.js';
import { diffAgainstState, requireReferenceLayout } from '../../../core/bundle/index.js';
import { toCoreError } from '../../../core/errors.js';
import { readAgent } from '../agent-client.js';
import type { JobControl } from '../jobs.js';
import { ensureLabTarget } from './lab.js';
import { isLab } from './targets.js';
import { readSshNode } from '../../../core/transfer/index.js';
import { nodeContentOf, pushTo, transferArgs, type StepEvent } from './transfer.js';
import type { HandlerContext } from './context.js';

/** Maps the transfer's events onto the four steps the timeline draws. */
function timelineStep(e: StepEvent): Pick<JobStep, 'step' | 'state'> | null {
  switch (e.step) {
    case 'connect':
    case 'upload':
      return { step: 'upload', state: 'running' };
    case 'verify':
      return { step: 'verify', state: 'running' };
    case 'apply':
      return { step: 'apply', state: 'running' };
    default:
      return null;
  }
}

async function pushOne(
  ctx: HandlerContext,
  id: string,
  file: string,
  sha256: string,
  opts: { dryRun: boolean; allowDowngrade: boolean },
  job: JobControl,
  onBytes: (done: number, total: number) => void,
): Promise<PushTargetResult> {
  if (isLab(ctx, id)) await ensureLabTarget(ctx);
  const t = ctx.targets.open(id);
  const step = (s: Omit<JobStep, 'at' | 'target'>) => job.step({ ...s, target: id });
  step({ step: 'check', state: 'done', message: 'bundle passed every check locally' });
  let last = '';
  try {
    const result = await pushTo(t, file, sha256, opts, job.signal, (e) => {
      const mapped = timelineStep(e);
      if (e.step === 'upload' && e.done !== undefined) onBytes(e.done, e.total ?? 0);
      if (mapped && mapped.step !== last) {
        if (last) step({ step: last, state: 'done' });
        last = mapped.step;
        step({ ...mapped, ...(e.message ? { message: e.message } : {}) });
      }
    });
    // the node verified size and SHA-256 before applying (interfaces.md PUT /api/v1/bundle; SFTP: rename after verify)
    for (const s of ['upload', 'verify', 'apply'] as const)
      step({ step: s, state: 'done', ...(s === 'verify' ? { message: 'the node verified size and SHA-256 before applying' } : {}) });
    const what = result.applied.length
      ? result.applied.map((a) => `${a.component} ${a.from}→${a.to}`).join(', ')
      : 'nothing newer to apply';
    ctx.activity.add({ kind: 'transfer', what: `pushed ${sha256.slice(0, 12)}… to ${t.name}`, target: t.name, sha256, result: 'success' });
    ctx.activity.add({ kind: opts.dryRun ? 'dry-run' : 'apply', what, target: t.name, sha256, result: 'success' });
    return { targetId: id, name: t.name, ok: true, result, ...(await logTail(t)) };
  } catch (e) {
    const err = toCoreError(e);
    step({ step: last || 'upload', state: 'failed', message: `${err.code}: ${err.message}` });
    const refused = !['UNREACHABLE', 'TRANSFER_INTERRUPTED', 'CANCELLED', 'INTERNAL'].includes(err.code);
    ctx.activity.add({
      kind: last === 'apply' ? (opts.dryRun ? 'dry-run' : 'apply') : 'transfer',
      what: `push ${sha256.slice(0, 12)}… to ${t.name} stopped`,
      target: t.name,
      sha256,
      result: refused ? 'refused' : 'failed',
      code: err.code,
      message: err.message,
    });
    return { targetId: id, name: t.name, ok: false, error: err.toJSON(), ...(await logTail(t)) };
  }
}

/** The node's ise-psc.log after a push (HTTPS API or SSH; best effort — a failure here never hides the push result). */
async function logTail(t: ReturnType<HandlerContext['targets']['open']>): Promise<{ logTail?: string[] }> {
  try {
    if (t.kind === 'https') return { logTail: (await readAgent(t.url, t.token, t.fingerprint, 20)).logTail };
    const { url, opts } = transferArgs(t);
    return { logTail: (await readSshNode(url, opts, { logLines: 20, history: false })).logTail };
  } catch {
    return {};
  }
}

export function applyHandlers(ctx: HandlerContext) {
  const checked = async (sha256: string) => {
    const entry = await ctx.library.get(sha256);
    const c = await ctx.inspections.get(entry.sha256, entry.path, entry.name);
    requireReferenceLayout(c);
    return { entry, checked: c };
  };
  return {
    previewApply: async ({ sha256, targetIds }) => {
      const { checked: bundle } = await checked(sha256);
      return Promise.all(
        targetIds.map(async (id): Promise<TargetPreview> => {
          const name = ctx.targets.get(id).name;
          try {
            if (isLab(ctx, id)) await ensureLabTarget(ctx);
            const content = await nodeContentOf(ctx.targets.open(id));
            return { targetId: id, name, ok: true, current: content.state.versions, diff: diffAgainstState(content.state, bundle) };
          } catch (e) {
            return { targetId: id, name, ok: false, error: toCoreError(e).toJSON() };
          }
        }),
      );
    },

    startPush: async ({ sha256, targetIds, dryRun, allowDowngrade }) => {
      // a refused bundle is never uploaded: the full check runs before the job starts
      const { entry } = await checked(sha256);
      for (const id of targetIds) ctx.targets.get(id);
      const jobId = ctx.jobs.start('push', async (job) => {
        const bytes = new Map<string, { done: number; total: number }>();
        const onBytes = (id: string) => (done: number, total: number) => {
          bytes.set(id, { done, total });
          const sum = [...bytes.values()].reduce((a, b) => ({ done: a.done + b.done, total: a.total + b.total }), { done: 0, total: 0 });
          job.progress(sum.done, sum.total);
        };
        return Promise.all(targetIds.map((id) => pushOne(ctx, id, entry.path, entry.sha256, { dryRun, allowDowngrade }, job, onBytes(id))));
      });
      return { jobId };
    },
  } satisfies Partial<HandlerTable>;
}
