/**
 * Preview & apply: per-target diff before anything is sent, then the push job with a step timeline. A bundle whose
 * layout is not recognised has no diff: the preview says the node will stage it for ISE, and the push stages it.
 * A bundle imported with a signed transfer manifest has its custody sent first (nodes with trusted signers).
 */
import type { HandlerTable, JobStep, PushTargetResult, TargetPreview } from '../contract.js';
import { diffAgainstState } from '../../bundle/index.js';
import { CoreError, toCoreError, type ErrorJSON } from '../../errors.js';
import { isRefusal } from '../../error-catalogue.js';
import { pushBundle, withNode, type PushEvent, type PushTarget, type TargetResult } from '../../transfer/index.js';
import { appText } from '../app-words.js';
import type { JobControl } from '../jobs.js';
import { ensureLabTarget } from './lab.js';
import { isLab } from './targets.js';
import { nodeContentOf, nodeTarget } from './transfer.js';
import type { HandlerContext } from './context.js';

type TimelineStep = 'upload' | 'verify' | 'apply';

/** Maps the push's events onto the steps the timeline draws. */
function timelineStep(e: PushEvent): TimelineStep | null {
  switch (e.step) {
    case 'connect':
    case 'upload':
    case 'retry':
      return 'upload';
    case 'verify':
      return 'verify';
    case 'apply':
      return 'apply';
    default:
      return null;
  }
}

/**
 * Draws one target's events as timeline steps; its upload bytes go to the job per target (bytes, rate, ETA
 * of each node) and summed over all targets.
 */
function timeline(job: JobControl) {
  const last = new Map<string, TimelineStep>();
  const bytes = new Map<string, { done: number; total: number }>();
  const onEvent = (id: string, e: PushEvent) => {
    const step = (s: Omit<JobStep, 'at' | 'target'>) => job.step({ ...s, target: id });
    if (e.step === 'check') return step({ step: 'check', state: 'running' });
    if (e.step === 'upload' && e.done !== undefined) {
      bytes.set(id, { done: e.done, total: e.total ?? 0 });
      job.progress(e.done, e.total ?? 0, id);
      const sum = [...bytes.values()].reduce((a, b) => ({ done: a.done + b.done, total: a.total + b.total }), { done: 0, total: 0 });
      job.progress(sum.done, sum.total);
    }
    const mapped = timelineStep(e);
    const previous = last.get(id);
    if (mapped && mapped !== previous) {
      if (!previous) step({ step: 'check', state: 'done', message: 'bundle passed every check locally' });
      else step({ step: previous, state: 'done' });
      last.set(id, mapped);
      step({ step: mapped, state: 'running', ...(e.message ? { message: e.message } : {}) });
    }
  };
  return { onEvent, lastStep: (id: string) => last.get(id) };
}

/** The node's ise-psc.log after a push (best effort — a failure here never hides the push result). */
async function logTail(ctx: HandlerContext, id: string): Promise<{ logTail?: string[] }> {
  try {
    return { logTail: await withNode(nodeTarget(ctx.targets.open(id)), (node) => node.log(20)) };
  } catch {
    return {};
  }
}

/** One target's outcome in the timeline, the activity log and the job's result. */
async function report(
  ctx: HandlerContext,
  job: JobControl,
  r: TargetResult,
  sha256: string,
  opts: { dryRun: boolean },
  last: TimelineStep | undefined,
): Promise<PushTargetResult> {
  const id = r.target;
  const name = ctx.targets.get(id).name;
  const step = (s: Omit<JobStep, 'at' | 'target'>) => job.step({ ...s, target: id });
  if (r.ok && r.status) {
    const staged = r.outcome === 'staged';
    // the node verified size and SHA-256 before applying (PUT /api/v1/inbox; SFTP: `agent verify` before the rename)
    for (const s of ['upload', 'verify', 'apply'] as const)
      step({
        step: s,
        state: 'done',
        ...(s === 'verify' ? { message: 'the node verified size and SHA-256 before applying' } : {}),
        ...(s === 'apply' && staged ? { message: 'layout not recognised: staged for upload to ISE, not applied' } : {}),
      });
    const result = {
      sha256: r.sha256,
      applied: r.applied,
      skipped: r.skipped,
      status: r.status,
      ...(r.outcome !== 'refused' ? { outcome: r.outcome } : {}),
      ...(r.staged ? { staged: r.staged } : {}),
      ...(r.dryRun ? { dryRun: true } : {}),
    };
    const what = staged
      ? r.staged?.already
        ? 'already staged for ISE (layout not recognised), nothing changed'
        : 'staged for upload to ISE (layout not recognised), not applied'
      : r.applied.length
        ? r.applied.map((a) => `${a.component} ${a.from}→${a.to}`).join(', ')
        : 'nothing newer to apply';
    const signed = r.custody?.signer ? ` (custody: signed by ${r.custody.signer.comment || r.custody.signer.fingerprint})` : '';
    ctx.activity.add({
      kind: 'transfer',
      what: `pushed ${sha256.slice(0, 12)}… to ${name}${signed}`,
      target: name,
      sha256,
      result: 'success',
    });
    ctx.activity.add({ kind: opts.dryRun ? 'dry-run' : staged ? 'stage' : 'apply', what, target: name, sha256, result: 'success' });
    return { targetId: id, name, ok: true, outcome: r.outcome, result, ...(await logTail(ctx, id)) };
  }
  const err: ErrorJSON = r.error ?? toCoreError(new Error('the push gave no result')).toJSON();
  // the bundle passed its check before the job started: a target that failed before its upload failed connecting
  if (!last) step({ step: 'check', state: 'done', message: 'bundle passed every check locally' });
  const stopped = err.code === 'CANCELLED';
  step({
    step: last ?? 'upload',
    state: stopped ? 'skipped' : 'failed',
    message: stopped
      ? 'cancelled before the node was asked to apply: nothing changed there'
      : `${err.code}: ${appText(err.message, err.code)}`,
  });
  const refused = isRefusal(err.code);
  ctx.activity.add({
    kind: last === 'apply' ? (opts.dryRun ? 'dry-run' : 'apply') : 'transfer',
    what: `push ${sha256.slice(0, 12)}… to ${name} stopped`,
    target: name,
    sha256,
    result: refused ? 'refused' : 'failed',
    code: err.code,
    message: err.message,
  });
  return { targetId: id, name, ok: false, outcome: 'refused', error: err, ...(last && !stopped ? await logTail(ctx, id) : {}) };
}

/** What the preview says instead of a diff for a bundle whose layout is not recognised (issue 10). */
export const STAGING_NOTE = 'layout not recognised: the node will stage this file for upload to ISE; versions cannot be compared';

export function applyHandlers(ctx: HandlerContext) {
  const checked = async (sha256: string) => {
    const entry = await ctx.library.get(sha256);
    const c = await ctx.inspections.get(entry.sha256, entry.path, entry.name);
    return { entry, checked: c };
  };
  return {
    previewApply: async ({ sha256, targetIds }, call) => {
      for (const id of targetIds) call.step({ target: id, step: 'ask', state: 'running', message: 'asking the node what it holds' });
      const { checked: bundle } = await checked(sha256);
      // every node at once, each answer reported as it arrives (the UI fills its row); a cancel stops them all
      const previews = await Promise.all(
        targetIds.map(async (id): Promise<TargetPreview> => {
          const name = ctx.targets.get(id).name;
          try {
            if (isLab(ctx, id)) await ensureLabTarget(ctx);
            const content = await nodeContentOf(ctx.targets.open(id), call.signal);
            call.step({ target: id, step: 'ask', state: 'done' });
            if (bundle.inspection.layout !== 'reference')
              return { targetId: id, name, ok: true, current: content.state.versions, staging: STAGING_NOTE };
            return { targetId: id, name, ok: true, current: content.state.versions, diff: diffAgainstState(content.state, bundle) };
          } catch (e) {
            const error = toCoreError(e).toJSON();
            call.step({ target: id, step: 'ask', state: 'failed', message: error.code });
            return { targetId: id, name, ok: false, error };
          }
        }),
      );
      if (call.signal.aborted) throw new CoreError('CANCELLED', 'Cancelled by the user: the preview was stopped.');
      return previews;
    },

    startPush: async ({ sha256, targetIds, dryRun, allowDowngrade }) => {
      // a refused bundle is never uploaded: the full check runs before the job starts
      const { entry } = await checked(sha256);
      for (const id of targetIds) ctx.targets.get(id);
      // the signed transfer manifest kept at import goes first, so nodes with trusted signers take the bundle
      const custody = await ctx.library.custodyDocument(entry);
      const jobId = ctx.jobs.start('push', async (job) => {
        // each target with its own secrets, opened from the keychain only when its push starts
        const targets: PushTarget[] = targetIds.map((id) => ({
          id,
          node: async () => {
            if (isLab(ctx, id)) await ensureLabTarget(ctx);
            return nodeTarget(ctx.targets.open(id));
          },
        }));
        const drawn = timeline(job);
        const r = await pushBundle(
          entry.path,
          targets,
          {
            dryRun,
            allowDowngrade,
            signal: job.signal,
            check: async () => (await checked(sha256)).entry.sha256,
            ...(custody ? { custody } : {}),
          },
          drawn.onEvent,
        );
        return Promise.all(r.targets.map((t) => report(ctx, job, t, entry.sha256, { dryRun }, drawn.lastStep(t.target))));
      });
      return { jobId };
    },
  } satisfies Partial<HandlerTable>;
}
