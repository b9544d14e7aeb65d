/** "Try it locally": start the lab node, pin it as a target, put a sample bundle in the library. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HandlerTable } from '../contract.js';
import { writeBundle } from '../../bundle/index.js';
import type { HandlerContext } from './context.js';

/** The lab target, (re)started and with its current URL, or null when there is none. */
export async function ensureLabTarget(ctx: HandlerContext): Promise<string> {
  const { url, fingerprint, token } = await ctx.lab.ensure();
  const existing = ctx.targets.all().find((t) => t.kind === 'https' && t.lab);
  if (existing && existing.kind === 'https') {
    // the lab agent gets a new free port each session; it is ours, so its pin follows it
    if (existing.url !== url || existing.fingerprint !== fingerprint)
      ctx.targets.replace({ ...existing, url, fingerprint, tokenSealed: ctx.secrets.seal(token) });
    return existing.id;
  }
  const t = ctx.targets.add({ kind: 'https', name: 'Local lab node', url, fingerprint, token, lab: true, labStore: ctx.lab.store });
  ctx.activity.add({ kind: 'target', what: `created the local lab node at ${url}`, target: t.name, result: 'success' });
  return t.id;
}

export function labHandlers(ctx: HandlerContext) {
  return {
    startLab: async () => {
      const targetId = await ensureLabTarget(ctx);
      const dir = join(ctx.home, 'downloads');
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.sample-${randomBytes(6).toString('hex')}.zip`);
      try {
        await writeFile(tmp, await writeBundle({ seed: 1 }));
        const entry = await ctx.library.add(
          tmp,
          { kind: 'file', path: 'sample (posture-stage sample --seed 1)', fetchedAt: new Date().toISOString() },
          { name: 'posture-offline-sample.zip', move: true },
        );
        ctx.activity.add({ kind: 'import', what: 'added the sample bundle', sha256: entry.sha256, result: 'success' });
        return { targetId, sha256: entry.sha256, previous: null };
      } finally {
        await rm(tmp, { force: true });
      }
    },
  } satisfies Partial<HandlerTable>;
}
