/**
 * Targets screen: first contact (fingerprint shown for confirmation), save only after the node accepted the
 * credentials, edit in place (re-pin only when the admin confirmed the pin it replaces), test, node status.
 */
import type { CallContext, HandlerTable, TargetView } from '../contract.js';
import { CoreError, toCoreError } from '../../errors.js';
import { readCertFingerprint, readHostKey } from '../../transfer/index.js';
import { mergeEdit, targetView, type AddTarget, type EditTarget, type OpenTarget } from '../targets-store.js';
import { ensureLabTarget } from './lab.js';
import { diagnoseTarget, nodeViewOf } from './transfer.js';
import { refusalInWords, targetErrorInWords } from './target-words.js';
import type { HandlerContext } from './context.js';

/** The lab node's agent runs inside this app: start it before talking to it. */
export function isLab(ctx: HandlerContext, id: string): boolean {
  const t = ctx.targets.get(id);
  return t.kind === 'https' && Boolean(t.lab);
}

const pinOf = (t: AddTarget) => (t.kind === 'https' ? t.fingerprint : t.hostKey);

/** Everything that decides how the node is reached and who logs in (not its name or deployment). */
function connection(t: AddTarget): string {
  if (t.kind === 'https') return JSON.stringify([t.url.replace(/\/+$/, ''), t.fingerprint, t.token]);
  return JSON.stringify([t.host, t.port, t.user, t.storePath, t.hostKey, t.privateKey, t.passphrase, t.password, t.agent, t.remoteCommand]);
}

/**
 * Contact with the pin the admin confirmed and the credentials as entered: the target is saved only when every
 * step passed (a wrong token is caught here, not at the first push); the failure in the form's words otherwise.
 */
async function checkBeforeSave(t: AddTarget, call?: CallContext): Promise<string | null> {
  const report = await diagnoseTarget(t, call);
  if (!report.ok)
    throw refusalInWords(
      t,
      report.error ?? { code: 'INTERNAL', message: 'The check gave no result.' },
      report.steps.find((s) => !s.ok)?.step,
    );
  return report.agentVersion ?? null;
}

export function targetHandlers(ctx: HandlerContext) {
  const view = (id: string): TargetView => targetView(ctx.targets.get(id));
  /** A saved target's failure, in the app's words (Test connection, Node status). */
  const worded = (t: OpenTarget, e: unknown, step?: string) => targetErrorInWords(t, toCoreError(e).toJSON(), 'saved', step);

  return {
    listTargets: async () => ctx.targets.all().map(targetView),

    probeTarget: async (input, call) => {
      if (input.kind === 'https') {
        const cert = await readCertFingerprint(input.url, { signal: call.signal });
        return { fingerprint: cert.fingerprint, detail: `certificate ${cert.subject}, issued by ${cert.issuer}, valid to ${cert.validTo}` };
      }
      const key = await readHostKey(input.host, input.port, undefined, call.signal);
      return { fingerprint: key.fingerprint, detail: `${key.keyType} host key` };
    },

    saveTarget: async (input, call) => {
      const seen = await checkBeforeSave(input, call);
      const t = ctx.targets.add(input);
      ctx.targets.noteSeen(t.id, seen);
      ctx.activity.add({
        kind: 'target',
        what: `added target ${targetView(t).address} pinned to ${targetView(t).pinned}`,
        target: t.name,
        result: 'success',
      });
      return view(t.id);
    },

    updateTarget: async ({ id, replacesPin, ...edit }, call) => {
      const old = ctx.targets.open(id);
      if (old.kind === 'https' && old.lab)
        throw new CoreError('USAGE', 'The local lab node is managed by the app: its address, pin and token follow the lab agent.');
      const next = mergeEdit(old, edit as EditTarget);
      const from = pinOf(old);
      const to = pinOf(next);
      if (from !== to && replacesPin !== from)
        throw new CoreError(
          'USAGE',
          `The pinned ${old.kind === 'https' ? 'certificate' : 'host key'} would change from ${from} to ${to}. Check the new fingerprint on the node and confirm that it replaces the old one.`,
          { pinned: from, presented: to },
        );
      // a changed address, pin or credential is checked with the node first; a new name or deployment is not
      const seen = connection(next) === connection(old) ? undefined : await checkBeforeSave(next, call);
      const t = ctx.targets.update(id, edit as EditTarget);
      if (seen !== undefined) ctx.targets.noteSeen(id, seen);
      const changes = [
        ...(from !== to ? [`re-pinned from ${from} to ${to}`] : []),
        ...(connection(next) !== connection(old) && from === to ? ['address or credentials changed and checked with the node'] : []),
        ...(old.name !== next.name ? [`renamed from ${old.name}`] : []),
        ...((old.deployment ?? '') !== (next.deployment ?? '') ? [`deployment ${next.deployment || 'cleared'}`] : []),
      ];
      ctx.activity.add({
        kind: 'target',
        what: `edited target: ${changes.join('; ') || 'nothing changed'}`,
        target: t.name,
        result: 'success',
      });
      return view(id);
    },

    removeTarget: async ({ id }) => {
      const name = ctx.targets.get(id).name;
      const removed = ctx.targets.remove(id);
      if (removed) ctx.activity.add({ kind: 'target', what: 'removed target', target: name, result: 'success' });
      return { removed };
    },

    testTarget: async ({ id }, call) => {
      if (isLab(ctx, id)) await ensureLabTarget(ctx);
      const t = ctx.targets.open(id);
      const report = await diagnoseTarget(t, call);
      if (report.agentVersion !== undefined) ctx.targets.noteSeen(id, report.agentVersion);
      const step = report.steps.find((s) => !s.ok)?.step;
      return report.error ? { ...report, error: targetErrorInWords(t, report.error, 'saved', step) } : report;
    },

    nodeStatus: async ({ id }, call) => {
      if (isLab(ctx, id)) await ensureLabTarget(ctx);
      const t = ctx.targets.open(id);
      try {
        const node = await nodeViewOf(t, 40, call.signal);
        ctx.targets.noteSeen(id, node.status.agentVersion ?? null);
        return node;
      } catch (e) {
        if (CoreError.is(e, 'CANCELLED')) throw e;
        throw CoreError.fromJSON(worded(t, e));
      }
    },
  } satisfies Partial<HandlerTable>;
}
