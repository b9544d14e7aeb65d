/**
 * `push FILE --to URL…` (interfaces.md): the bundle core checks the bundle locally first (a refused or
 * unknown-layout bundle is never sent), then every target is pushed and applied at once, each with its
 * own events and result; one failure does not stop the others; the exit code is the worst.
 */
import { checkBundle, requireReferenceLayout } from '../bundle/index.js';
import { CoreError, exitCodeFor, toCoreError, type ErrorJSON } from '../errors.js';
import type { AppliedComponent, ApplyResult, NodeStatus, SkippedComponent } from '../agent/types.js';
import { pushHttps, type HttpsPushOptions } from './https-push.js';
import { pushSftp, type SftpPushOptions } from './sftp-push.js';
import { parseTarget, type Target } from './target.js';
import type { PushEvent } from './events.js';

export type PushOptions = SftpPushOptions & HttpsPushOptions;

export interface TargetResult {
  target: string;
  ok: boolean;
  sha256: string;
  applied: AppliedComponent[];
  skipped: SkippedComponent[];
  status?: NodeStatus;
  dryRun?: boolean;
  resumedFrom?: number;
  error?: ErrorJSON;
}

export interface PushResult {
  ok: boolean;
  sha256: string;
  targets: TargetResult[];
  /** 0 when all succeeded, else the highest exit code among the failures (interfaces.md) */
  exitCode: number;
}

/** Pushes and applies `file` on every target; throws only when the local check refuses the bundle. */
export async function pushBundle(
  file: string,
  targets: string[],
  opts: PushOptions = {},
  onEvent: (target: string, e: PushEvent) => void = () => {},
): Promise<PushResult> {
  if (targets.length === 0)
    throw new CoreError('USAGE', 'Give at least one --to target (https://host[:8443] or sftp://user@host[:22]/store-path).');
  const parsed: Target[] = targets.map(parseTarget);
  for (const t of parsed) onEvent(t.display, { step: 'check' });
  const checking = checkBundle(file, { requireReference: true }).then((checked) => {
    requireReferenceLayout(checked);
    return checked.bundle.sha256;
  });
  checking.catch(() => undefined);
  // SSH connections (host key, auth) are opened while the check runs; uploads wait for it
  const tasks = parsed.map(async (t): Promise<TargetResult> => {
    const emit = (e: PushEvent) => onEvent(t.display, e);
    try {
      const r: ApplyResult & { resumedFrom?: number } =
        t.kind === 'https' ? await pushHttps(file, await checking, t, opts, emit) : await pushSftp(file, checking, t, opts, emit);
      emit({ step: 'done' });
      return {
        target: t.display,
        ok: true,
        sha256: await checking,
        applied: r.applied ?? [],
        skipped: r.skipped ?? [],
        status: r.status,
        ...(r.dryRun ? { dryRun: true } : {}),
        ...(r.resumedFrom !== undefined ? { resumedFrom: r.resumedFrom } : {}),
      };
    } catch (e) {
      const err = toCoreError(e);
      emit({ step: 'error', message: err.message });
      return { target: t.display, ok: false, sha256: await checking.catch(() => ''), applied: [], skipped: [], error: err.toJSON() };
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
