/** Targets screen: first contact (fingerprint shown for confirmation), save with pinning, test, node status. */
import type { HandlerTable } from '../contract.js';
import { readCertFingerprint, readHostKey } from '../../transfer/index.js';
import { targetView } from '../targets-store.js';
import { ensureLabTarget } from './lab.js';
import { diagnoseTarget, nodeViewOf } from './transfer.js';
import type { HandlerContext } from './context.js';

/** The lab node's agent runs inside this app: start it before talking to it. */
export function isLab(ctx: HandlerContext, id: string): boolean {
  const t = ctx.targets.get(id);
  return t.kind === 'https' && Boolean(t.lab);
}

export function targetHandlers(ctx: HandlerContext) {
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

    saveTarget: async (input) => {
      const t = ctx.targets.add(input);
      ctx.activity.add({
        kind: 'target',
        what: `added target ${targetView(t).address} pinned to ${targetView(t).pinned}`,
        target: t.name,
        result: 'success',
      });
      return targetView(t);
    },

    removeTarget: async ({ id }) => {
      const name = ctx.targets.get(id).name;
      const removed = ctx.targets.remove(id);
      if (removed) ctx.activity.add({ kind: 'target', what: 'removed target', target: name, result: 'success' });
      return { removed };
    },

    testTarget: async ({ id }, call) => {
      if (isLab(ctx, id)) await ensureLabTarget(ctx);
      return diagnoseTarget(ctx.targets.open(id), call);
    },

    nodeStatus: async ({ id }, call) => {
      if (isLab(ctx, id)) await ensureLabTarget(ctx);
      return nodeViewOf(ctx.targets.open(id), 40, call.signal);
    },
  } satisfies Partial<HandlerTable>;
}
