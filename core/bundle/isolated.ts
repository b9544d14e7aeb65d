/**
 * The whole bundle check off the event loop, under a time budget (issue 8 §2): a node agent checking an
 * upload must keep answering /healthz and other requests, and no input — whatever slow path it finds —
 * may hold the check longer than the budget. The check runs in a worker thread (its own heap, capped);
 * past the budget the worker is stopped and the bundle refused with ZIP_LIMIT naming the budget.
 *
 * What comes back is plain data (the inspection and each component's content). The worker reads the file
 * through the caller's open descriptor, not its path: what was checked is the very file the caller holds
 * open (apply then copies the payloads from that descriptor, verifying each one's SHA-256 as it goes).
 */
import { open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CoreError, type ErrorJSON } from '../errors.js';
import type { CheckOptions, CheckedBundle, Progress } from './options.js';
import { workerScript } from './worker-script.js';
import type { ComponentContent, ComponentId, Inspection, Limits } from './types.js';
import { bundleFileError } from './read.js';
import { notAZip } from './zip/fail.js';

/** What the worker is asked (structured-clone safe). */
export interface IsolatedRequest {
  /** an open descriptor of the bundle (the caller's thread keeps it open until the worker is gone) */
  fd: number;
  fileName: string;
  requireReference: boolean;
  limits?: Partial<Limits>;
  /** CheckOptions.payloadDir */
  payloadDir?: string;
}

/** What the worker posts back. */
export type IsolatedReply =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; inspection: Inspection; contents: Array<[ComponentId, ComponentContent]> }
  | { type: 'error'; error: ErrorJSON };

export interface IsolatedOptions extends Omit<CheckOptions, 'signal'> {
  signal?: AbortSignal;
  /** the bundle already open (its descriptor is read by the worker; it stays open for the caller) */
  handle?: { readonly fd: number; stat(): Promise<{ size: number; isFile(): boolean; isDirectory(): boolean }> };
  /** wall-clock budget for the whole check, ms (default: checkBudgetMs(file size)) */
  budgetMs?: number;
  /** heap the check may use, MiB (default: 512, or 4 MiB per MiB of bundle for bigger ones) */
  maxHeapMb?: number;
}

/** The default time budget: 30 s, plus 1 s per MiB of bundle (a legit bundle checks at well over 10 MiB/s here). */
function checkBudgetMs(size: number): number {
  return 30_000 + Math.ceil(size / (1024 * 1024)) * 1000;
}

const DEFAULT_HEAP_MB = 512;

/** Runs checkBundle(file) in a worker thread under a time and heap budget; see the module comment. */
export async function checkIsolated(file: string, opts: IsolatedOptions = {}): Promise<CheckedBundle> {
  const path = resolve(file);
  if (opts.handle) return checkThrough(opts.handle, path, opts);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw bundleFileError(path, e);
  }
  try {
    return await checkThrough(handle, path, opts);
  } finally {
    await handle.close();
  }
}

async function checkThrough(handle: NonNullable<IsolatedOptions['handle']>, path: string, opts: IsolatedOptions): Promise<CheckedBundle> {
  const fileName = opts.fileName ?? basename(path);
  const st = await handle.stat();
  if (st.isDirectory()) throw notAZip('a directory', { path });
  if (!st.isFile()) throw notAZip('not a regular file', { path });
  const size = st.size;
  const budgetMs = opts.budgetMs ?? checkBudgetMs(size);
  // what a check keeps grows with the bundle (a few hundred bytes per product or name); the zip itself is outside the heap
  const maxHeapMb = opts.maxHeapMb ?? Math.max(DEFAULT_HEAP_MB, 4 * Math.ceil(size / (1024 * 1024)));
  const request: IsolatedRequest = {
    fd: handle.fd,
    fileName,
    requireReference: opts.requireReference ?? false,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.payloadDir !== undefined ? { payloadDir: opts.payloadDir } : {}),
  };
  const script = workerScript();
  const worker = new Worker(script.kind === 'file' ? script.file : script.code, {
    eval: script.kind === 'source',
    workerData: request,
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
  });
  const result = await new Promise<Extract<IsolatedReply, { type: 'done' }>>((done, fail) => {
    let settled = false;
    const finish = (err: CoreError | null, value?: Extract<IsolatedReply, { type: 'done' }>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) fail(err);
      else done(value as Extract<IsolatedReply, { type: 'done' }>);
    };
    const timer = setTimeout(
      () =>
        finish(
          new CoreError(
            'ZIP_LIMIT',
            `Checking ${fileName} took longer than ${Math.round(budgetMs / 1000)} s, the time a bundle of ${size} bytes may take; it was stopped and refused. A posture update checks far faster: use the original posture-offline.zip from Cisco.`,
            { file: fileName, limit: 'timeBudget', budgetMs, size },
          ),
        ),
      budgetMs,
    );
    const onAbort = (): void =>
      finish(
        new CoreError('CANCELLED', `Checking ${fileName} was cancelled. Nothing was changed; run it again to finish.`, { file: fileName }),
      );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: IsolatedReply) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'done') finish(null, m);
      else finish(CoreError.fromJSON(m.error));
    });
    worker.on('error', (e: Error & { code?: string }) =>
      finish(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new CoreError(
              'ZIP_LIMIT',
              `Checking ${fileName} needed more than ${maxHeapMb} MiB of memory; it was stopped and refused. A posture update needs far less: use the original posture-offline.zip from Cisco.`,
              { file: fileName, limit: 'memory', maxHeapMb },
            )
          : new CoreError(
              'INTERNAL',
              `Internal error: the bundle check stopped (${e.message}). This is a bug in Posture Stage; please report it.`,
            ),
      ),
    );
    worker.on('exit', (code) =>
      finish(new CoreError('INTERNAL', `Internal error: the bundle check ended early (exit ${code}). This is a bug in Posture Stage.`)),
    );
  });
  const { inspection } = result;
  return {
    bundle: { fileName: inspection.file, size: inspection.size, sha256: inspection.sha256, entries: inspection.entries },
    inspection,
    contents: new Map(result.contents),
  };
}
