/**
 * `posture-stage confirm BUNDLE --ise-status FILE [--ise-log FILE]` (interfaces.md; issue 10 §3): did ISE take
 * the bundle? Per component, what ISE's Update Information shows against the bundle's version — present (ISE has
 * it) / older (ISE is older: not taken) / newer (ISE already newer) — and, with ise-psc.log, the newest
 * `Starting opswat download` … `Completed opswat download` run at or after the hand-off, with its URI lines.
 *
 * Verdict (README "confirm"): `taken` (exit 0) only when
 *   reference layout — ISE shows every one of the five versions of the bundle, no update is running, and when a
 *                      log is given it holds a completed run at or after the hand-off time;
 *   unknown layout   — versions cannot be compared, so the log decides: a completed run at or after the hand-off,
 *                      and ISE's last update attempt successful and not before it. Without a log: `cannot-tell`.
 * Times in the log and in Update Information are ISE's local time; they are compared with the hand-off time on
 * this computer's clock (same time zone assumed; `--since` takes ISE's local time when the clocks differ).
 */
import type { Inspection, VersionKey } from '../bundle/types.js';
import { VERSION_LABELS } from '../bundle/types.js';
import { compareVersions } from '../bundle/index.js';
import { localTime } from './handoff-text.js';
import { scanIseLog } from './log.js';
import { parseIseStatus } from './status.js';
import type { ComponentVerdict, ConfirmReport, IseLogRun, IseLogScan } from './types.js';

export interface ConfirmInput {
  /** the checked bundle's inspection */
  inspection: Inspection;
  /** the pasted Update Information */
  status: string;
  /** ise-psc.log, streamed */
  log?: { name: string; bytes: AsyncIterable<Uint8Array | string> };
  /** the hand-off time; the judged log run must not start before it */
  since?: { at: Date; source: 'HANDOFF.txt' | '--since' | 'hand-off' } | null;
}

const KEYS = Object.keys(VERSION_LABELS) as VersionKey[];

/** "2025-03-13 13:58:07,246" or "2025/03/13 14:24:50" as a local time. */
export function localDate(text: string): Date | null {
  const m = /^(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[,.](\d{1,3}))?/.exec(text);
  if (!m) return null;
  const d = new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? +m[7].padEnd(3, '0') : 0);
  return Number.isNaN(d.getTime()) ? null : d;
}

const second = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : null);

/** Judges the log: the newest run at or after `since` (any run when `since` is unknown). */
function judgeLog(scan: IseLogScan, name: string, since: Date | null, lastSuccessful: Date | null): NonNullable<ConfirmReport['log']> {
  const base = { file: name, lines: scan.lines, firstAt: scan.firstAt, lastAt: scan.lastAt, runs: scan.runs.length + scan.runsDropped };
  const span = scan.firstAt ? `${scan.lines} lines, ${scan.firstAt} to ${scan.lastAt}` : `${scan.lines} lines, no timestamped line`;
  const startOf = (r: IseLogRun) => localDate(r.startedAt ?? r.completedAt ?? '');
  // compared to the second: the hand-off time is written to the second, the log to the millisecond
  const after = since ? scan.runs.filter((r) => (second(startOf(r)) ?? -Infinity) >= (second(since) as number)) : scan.runs;
  if (scan.runs.length === 0)
    return {
      ...base,
      verdict: 'no-run',
      run: null,
      matchesUpdateInformation: null,
      message: `${name} (${span}) has no "Starting opswat download" line: ISE ran no offline update in the time this log covers. Download ise-psc.log from the PAN after Update Now has finished.`,
    };
  if (after.length === 0) {
    const newest = scan.runs[scan.runs.length - 1]!;
    return {
      ...base,
      verdict: 'before-handoff',
      run: newest,
      matchesUpdateInformation: null,
      message: `The newest run in ${name} started at ${newest.startedAt ?? newest.completedAt}, before the hand-off (${since ? localTime(since) : '?'}): ISE has run no offline update since this file was handed off.`,
    };
  }
  // prefer the run whose Completed time is ISE's "Last successful update on"; else the newest
  const matching = lastSuccessful ? after.filter((r) => second(localDate(r.completedAt ?? '')) === second(lastSuccessful)) : [];
  const run = matching[matching.length - 1] ?? after[after.length - 1]!;
  const matches = lastSuccessful && run.completedAt ? second(localDate(run.completedAt)) === second(lastSuccessful) : null;
  if (!run.completedAt)
    return {
      ...base,
      verdict: 'incomplete',
      run,
      matchesUpdateInformation: null,
      message: `The run that started at ${run.startedAt} (line ${run.startLine}${run.who ? `, by ${run.who}` : ''}) has ${run.uris.length} "Offline download file URI" line(s) but no "Completed opswat download": the update did not finish${run.errors.length > 0 ? ` (${run.errors.length} ERROR line(s), first: ${run.errors[0]!.text})` : ''} — it may still be running, or it failed.`,
    };
  return {
    ...base,
    verdict: 'completed',
    run,
    matchesUpdateInformation: matches,
    message: `Run ${run.startedAt ?? '(started before this log)'} → ${run.completedAt} (lines ${run.startLine ?? '?'}–${run.completedLine}${run.who ? `, by ${run.who}` : ''}) completed with ${run.uris.length} "Offline download file URI" line(s)${matches ? "; its end is ISE's last successful update" : ''}.`,
  };
}

/** Builds the report (README "confirm" has the JSON shape). */
export async function confirmIse(input: ConfirmInput): Promise<ConfirmReport> {
  const { inspection } = input;
  const ise = parseIseStatus(input.status);
  const since = input.since?.at ?? null;
  const lastSuccessful = ise.lastSuccessfulUpdate ? localDate(ise.lastSuccessfulUpdate) : null;
  const problems: string[] = [];
  const notes: string[] = [];
  const unknown = inspection.layout === 'unknown' || !inspection.versions;

  const components = KEYS.map((key) => {
    const label = VERSION_LABELS[key];
    const bundle = inspection.versions?.[key] ?? null;
    const shown = ise.versions[key] ?? null;
    let verdict: ComponentVerdict;
    if (shown === null) verdict = 'missing';
    else if (bundle === null) verdict = 'not-compared';
    else {
      const c = compareVersions(shown, bundle);
      verdict = c === 0 ? 'present' : c < 0 ? 'older' : 'newer';
    }
    if (verdict === 'missing') problems.push(`The pasted Update Information does not show "${label}": paste the whole block.`);
    if (verdict === 'older') problems.push(`${label}: ISE shows ${shown}, older than the bundle's ${bundle} — ISE has not taken it.`);
    if (verdict === 'newer')
      problems.push(`${label}: ISE shows ${shown}, newer than the bundle's ${bundle} — ISE already had newer content.`);
    const mentioned =
      unknown && shown !== null
        ? (inspection.versionHints ?? [])
            .filter((h) => h.value === shown)
            .map(
              (h) =>
                `${h.member ? `${h.entry} → ${h.member}` : h.entry}${h.in === 'file-name' ? ' (file name)' : h.attribute ? ` <${h.element} ${h.attribute}>` : ` <${h.element}>`}`,
            )
            .slice(0, 5)
        : undefined;
    return { key, label, bundle, ise: shown, verdict, ...(mentioned && mentioned.length > 0 ? { mentioned } : {}) };
  });
  if (unknown)
    notes.push(
      'The bundle is in a layout that is not recognised: its versions cannot be compared with what ISE shows; the log run decides.',
    );
  if (ise.repeated.length > 0) notes.push(`The paste shows ${ise.repeated.join(', ')} more than once; the last value was used.`);
  if (ise.updating) problems.push('ISE says "An update is running": paste Update Information again when it has finished.');
  if (ise.lastAttempt && !ise.lastAttempt.successful)
    problems.push(`ISE's last update attempt (${ise.lastAttempt.at}) was not successful: ${ise.lastUpdateStatus}`);
  if (since && lastSuccessful && lastSuccessful.getTime() < Math.floor(since.getTime() / 1000) * 1000) {
    const text = `ISE's last successful update (${ise.lastSuccessfulUpdate}) is before the hand-off (${localTime(since)}).`;
    if (unknown) problems.push(`${text} The file has not been taken since it was handed off.`);
    else notes.push(`${text} ISE had these versions before this hand-off.`);
  }
  if (since && ise.lastSuccessfulUpdate === null && !ise.updating)
    problems.push('ISE shows no successful update ("No Update since Installation", or the line was not pasted).');

  let log: ConfirmReport['log'] = null;
  if (input.log) {
    log = judgeLog(await scanIseLog(input.log.bytes), input.log.name, since, lastSuccessful);
    if (log.verdict !== 'completed') problems.push(log.message);
    else notes.push(log.message);
    if (log.verdict === 'completed' && log.matchesUpdateInformation === false && lastSuccessful)
      notes.push(`The run's end (${log.run?.completedAt}) is not ISE's "Last successful update on" (${ise.lastSuccessfulUpdate}).`);
  } else if (unknown)
    problems.push('Without ise-psc.log the take of a bundle whose versions cannot be read cannot be proved: give --ise-log.');

  let verdict: ConfirmReport['verdict'];
  if (unknown) {
    const logOk = log?.verdict === 'completed';
    const statusOk = !ise.updating && ise.lastSuccessfulUpdate !== null && !(ise.lastAttempt && !ise.lastAttempt.successful);
    const notBefore = !(since && lastSuccessful && lastSuccessful.getTime() < Math.floor(since.getTime() / 1000) * 1000);
    verdict = !log ? 'cannot-tell' : logOk && statusOk && notBefore ? 'taken' : 'not-taken';
  } else {
    const all = components.every((c) => c.verdict === 'present');
    verdict = ise.updating ? 'cannot-tell' : all && (!log || log.verdict === 'completed') ? 'taken' : 'not-taken';
  }
  return {
    verdict,
    bundle: { file: inspection.file, sha256: inspection.sha256, size: inspection.size, layout: inspection.layout },
    since: since ? localTime(since) : null,
    sinceSource: input.since?.source ?? null,
    ise,
    components,
    log,
    problems,
    notes,
  };
}

/** `confirm` for humans. */
export function formatConfirm(r: ConfirmReport): string {
  const words: Record<ComponentVerdict, string> = {
    present: 'present — ISE has this version',
    older: 'OLDER — ISE is older: not taken',
    newer: 'newer — ISE already has newer content',
    missing: 'not in the paste',
    'not-compared': 'not compared (layout not recognised)',
  };
  const head =
    r.verdict === 'taken'
      ? `ISE took ${r.bundle.file} (${r.bundle.sha256}).`
      : r.verdict === 'cannot-tell'
        ? `Cannot tell whether ISE took ${r.bundle.file} (${r.bundle.sha256}).`
        : `ISE has NOT taken ${r.bundle.file} (${r.bundle.sha256}).`;
  const out = [head, ''];
  out.push(
    `Update Information: last successful update ${r.ise.lastSuccessfulUpdate ?? 'none'}; ${r.ise.lastUpdateStatus ?? 'status not pasted'}`,
  );
  const width = Math.max(...r.components.map((c) => c.label.length));
  for (const c of r.components)
    out.push(
      `  ${c.label.padEnd(width)}  ISE ${(c.ise ?? '—').padEnd(14)} bundle ${(c.bundle ?? '—').padEnd(14)} ${words[c.verdict]}${c.mentioned ? `  (the file mentions it: ${c.mentioned.join('; ')}; not verified)` : ''}`,
    );
  if (r.since) out.push(`Hand-off time: ${r.since} (from ${r.sinceSource})`);
  if (r.log) {
    out.push('', `ise-psc.log (${r.log.file}): ${r.log.verdict}`, `  ${r.log.message}`);
    for (const u of r.log.run?.uris ?? []) out.push(`    ${u.at}  Offline download file URI :${u.uri}`);
  }
  if (r.problems.length > 0) out.push('', 'Missing:', ...r.problems.map((p) => `  - ${p}`));
  if (r.notes.length > 0) out.push('', 'Notes:', ...r.notes.map((p) => `  - ${p}`));
  return out.join('\n');
}
