/** Fetch now (download with progress and cancel) and the job calls the UI polls. */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HandlerTable } from '../contract.js';
import { fetchBundle, type FetchOptions } from '../../feed/index.js';
import { toCoreError } from '../../errors.js';
import { isRefusal } from '../../error-catalogue.js';
import type { HandlerContext } from './context.js';

/** The feed options from Settings (proxy with its sealed password opened, extra CAs as a PEM file). */
export async function feedOptions(ctx: HandlerContext, url?: string): Promise<FetchOptions> {
  const s = ctx.settings.get();
  const proxy = ctx.settings.proxyUrl();
  const ca: string[] = [];
  if (s.extraCaPem.trim()) {
    const file = join(ctx.home, 'extra-ca.pem');
    await mkdir(ctx.home, { recursive: true });
    await writeFile(file, s.extraCaPem, { mode: 0o600 });
    ca.push(file);
  }
  return {
    url: url ?? s.feedUrl,
    home: s.libraryDir || ctx.home,
    ...(proxy ? { proxy } : {}),
    ...(s.proxy.bypass ? { noProxy: s.proxy.bypass } : {}),
    ...(ca.length ? { ca } : {}),
  };
}

/** One fetch, recorded in the activity log either way. */
export async function runFetch(ctx: HandlerContext, opts: FetchOptions, onProgress?: (done: number, total: number) => void) {
  try {
    const r = await fetchBundle(opts, (p) => {
      if (p.phase === 'download') onProgress?.(p.done, p.total ?? 0);
    });
    ctx.activity.add({ kind: 'fetch', what: `fetched ${r.url}${r.resumed ? ' (resumed)' : ''}`, sha256: r.sha256, result: 'success' });
    return { sha256: r.sha256, size: r.size, url: r.url, tlsFingerprint: r.tlsFingerprint ?? null };
  } catch (e) {
    const err = toCoreError(e);
    ctx.activity.add({
      kind: 'fetch',
      what: `fetch ${opts.url ?? ''}`,
      result: isRefusal(err.code) ? 'refused' : 'failed',
      code: err.code,
      message: err.message,
    });
    throw err;
  }
}

export function fetchHandlers(ctx: HandlerContext) {
  return {
    startFetch: async ({ url }) => {
      const opts = await feedOptions(ctx, url);
      const jobId = ctx.jobs.start('fetch', (job) => runFetch(ctx, { ...opts, signal: job.signal }, (d, t) => job.progress(d, t)));
      return { jobId };
    },
    getJob: async ({ jobId }) => ctx.jobs.get(jobId),
    cancelJob: async ({ jobId }) => ctx.jobs.cancel(jobId),
  } satisfies Partial<HandlerTable>;
}
