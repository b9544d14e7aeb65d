/**
 * `push FILE --to URL…` (interfaces.md): the bundle core checks the bundle locally first (a bundle whose
 * container is refused is never sent), then every target is pushed at once over the node client — connect →
 * custody (when the bundle has a signed transfer manifest: sent first, so a node with trusted signers takes it)
 * → upload (bytes, rate) → verify (by the node) → apply — each with its own node, secrets, events and result;
 * one failure does not stop the others; the exit code is the worst. The node checks again and decides: a
 * reference-layout bundle is applied (`outcome` applied, or skipped when nothing is newer), an unknown-layout
 * one is staged as a verified opaque file for ISE (`staged`), never applied; a refusal is `refused`.
 *
 * Cancelling (`signal`) stops a target before its apply: CANCELLED, and the node's state is untouched.
 * An apply already sent is awaited and reported as what it is (applied or refused), never as cancelled.
 */
import { stat } from 'node:fs/promises';
import { checkBundle } from '../bundle/index.js';
import { CoreError, toCoreError, type ErrorJSON } from '../errors.js';
import { exitCodeFor } from '../error-catalogue.js';
import type { AppliedComponent, ApplyOutcome, ApplyResult, NodeStatus, SkippedComponent, StagedBundle } from '../agent/types.js';
import { custodyBundle, type CustodyDocument } from '../custody/document.js';
import { openNode, type ApplyOptions } from './connection.js';
import { cancelled } from './events.js';
import type { NodeTarget } from './target.js';
import type { PushEvent } from './events.js';

/** One node to push to. */
export interface PushTarget {
  /** names the target in events and results (the `--to` URL, or the app's target id) */
  id: string;
  /** the node, or how to get it when its secrets must still be read (if that fails, this target fails alone) */
  node: NodeTarget | (() => Promise<NodeTarget>);
}

export interface PushOptions extends ApplyOptions {
  signal?: AbortSignal;
  /**
   * The local check before anything is sent, resolving with the bundle's SHA-256 (default: the bundle
   * core's full check; container faults refused in every layout). The app passes its cache of the same check.
   */
  check?: (file: string) => Promise<string>;
  /** the bundle's custody document (its signed transfer manifest), sent to every target before the bundle */
  custody?: CustodyDocument;
  /** reconnects after a cut upload (default 2); an SFTP upload resumes from the remote part */
  retries?: number;
}

/** What happened on one target (interfaces.md push `outcome`). */
type PushOutcome = ApplyOutcome | 'refused';

export interface TargetResult {
  target: string;
  ok: boolean;
  /** applied · staged (unknown layout, kept for ISE) · skipped (nothing newer: a same-version re-push) · refused (any failure) */
  outcome: PushOutcome;
  sha256: string;
  applied: AppliedComponent[];
  skipped: SkippedComponent[];
  status?: NodeStatus;
  dryRun?: boolean;
  resumedFrom?: number;
  /** where the node keeps the bundle for the hand-off to ISE */
  staged?: StagedBundle & { already: boolean };
  /** the signer the node verified when the custody document was sent (HTTPS), or null (verified at apply) */
  custody?: { signer: { fingerprint: string; comment: string } | null };
  error?: ErrorJSON;
}

export interface PushResult {
  ok: boolean;
  sha256: string;
  targets: TargetResult[];
  /** 0 when all succeeded, else the highest exit code among the failures (interfaces.md) */
  exitCode: number;
}

/** The bundle core's full check: a bundle whose container (or, in the reference layout, content) is refused is never sent. */
async function fullCheck(file: string): Promise<string> {
  // every check, keeping no diff content: only the verdict and the SHA-256 are used here (the node diffs)
  return (await checkBundle(file, { contents: false })).bundle.sha256;
}

/** The custody document must name the very bundle being pushed (checked before anything is sent). */
function checkCustodyFor(doc: CustodyDocument, sha256: string): void {
  const named = custodyBundle(doc).sha256;
  if (named !== sha256)
    throw new CoreError(
      'SIGNATURE_INVALID',
      `The transfer manifest given with --custody is for bundle ${named}, not for ${sha256} being pushed; nothing was sent. Give the manifest \`library export\` wrote for this bundle.`,
      { sha256, manifest: named },
    );
}

/** Upload (with reconnects) and apply on one node. */
async function pushOne(
  target: NodeTarget,
  file: string,
  checking: Promise<string>,
  opts: PushOptions,
  emit: (e: PushEvent) => void,
): Promise<ApplyResult & { resumedFrom?: number; custody?: TargetResult['custody'] }> {
  const retries = opts.retries ?? 2;
  let resumedFrom: number | undefined;
  let custody: TargetResult['custody'];
  for (let attempt = 0; ; attempt++) {
    emit({ step: 'connect', attempt });
    // SSH logs in (host key, credentials) while the local check runs; nothing is uploaded before it passes
    const node = await openNode(target, { ...(opts.signal ? { signal: opts.signal } : {}) });
    try {
      const sha256 = await checking;
      if (opts.custody && !custody) {
        emit({ step: 'custody' });
        custody = { signer: (await node.custody(sha256, opts.custody, opts.signal ? { signal: opts.signal } : {})).signer };
      }
      const size = (await stat(file)).size;
      emit({ step: 'upload', done: 0, total: size });
      const uploaded = await node.upload({
        file,
        size,
        sha256,
        name: `${sha256}.zip`,
        onProgress: (done, total, rate) => emit({ step: 'upload', done, total, rate }),
        onVerify: () => emit({ step: 'verify' }),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (uploaded.resumedFrom !== undefined) resumedFrom = uploaded.resumedFrom;
      if (opts.signal?.aborted) throw cancelled();
      emit({ step: 'apply' });
      // no signal from here: the apply runs to its end on the node and we report what it did
      const result = await node.apply(uploaded.file, { dryRun: Boolean(opts.dryRun), allowDowngrade: Boolean(opts.allowDowngrade) });
      return { ...result, ...(resumedFrom !== undefined ? { resumedFrom } : {}), ...(custody ? { custody } : {}) };
    } catch (e) {
      // a resumed part that does not verify was deleted by the transport: one more try from the start
      const badResume = CoreError.is(e, 'REMOTE_CHECKSUM_MISMATCH') && e.details.resumedFrom !== undefined;
      if ((CoreError.is(e, 'TRANSFER_INTERRUPTED') || badResume) && attempt < retries && !opts.signal?.aborted) {
        if (badResume) resumedFrom = undefined;
        emit({ step: 'retry', attempt: attempt + 1, message: (e as Error).message });
        continue;
      }
      throw e;
    } finally {
      await node.close();
    }
  }
}

/** Pushes and applies `file` on every target; throws only when the local check refuses the bundle. */
export async function pushBundle(
  file: string,
  targets: PushTarget[],
  opts: PushOptions = {},
  onEvent: (target: string, e: PushEvent) => void = () => {},
): Promise<PushResult> {
  if (targets.length === 0)
    throw new CoreError('USAGE', 'Give at least one --to target (https://host[:8443] or sftp://user@host[:22]/store-path).');
  for (const t of targets) onEvent(t.id, { step: 'check' });
  const custodyDoc = opts.custody;
  const checking = (opts.check ?? fullCheck)(file).then((sha256) => {
    if (custodyDoc) checkCustodyFor(custodyDoc, sha256);
    return sha256;
  });
  checking.catch(() => undefined);
  const tasks = targets.map(async (t): Promise<TargetResult> => {
    const emit = (e: PushEvent) => onEvent(t.id, e);
    try {
      const node = typeof t.node === 'function' ? await t.node() : t.node;
      const r = await pushOne(node, file, checking, opts, emit);
      emit({ step: 'done' });
      return {
        target: t.id,
        ok: true,
        // a node from before `outcome` only ever applied: skipped when nothing was newer
        outcome: r.outcome ?? (r.applied.length > 0 ? 'applied' : 'skipped'),
        sha256: r.sha256,
        applied: r.applied,
        skipped: r.skipped,
        status: r.status,
        ...(r.dryRun ? { dryRun: true } : {}),
        ...(r.resumedFrom !== undefined ? { resumedFrom: r.resumedFrom } : {}),
        ...(r.staged ? { staged: r.staged } : {}),
        ...(r.custody ? { custody: r.custody } : {}),
      };
    } catch (e) {
      const err = toCoreError(e);
      emit({ step: 'error', message: err.message });
      return {
        target: t.id,
        ok: false,
        outcome: 'refused',
        sha256: await checking.catch(() => ''),
        applied: [],
        skipped: [],
        error: err.toJSON(),
      };
    }
  });
  let sha256: string;
  try {
    sha256 = await checking;
  } catch (e) {
    await Promise.allSettled(tasks);
    throw e;
  }
  const results = await Promise.all(tasks);
  const codes = results.map((r) => (r.error ? exitCodeFor(r.error.code) : 0));
  const exitCode = Math.max(0, ...codes);
  return { ok: exitCode === 0, sha256, targets: results, exitCode };
}
