/**
 * "Hand off to ISE" (issue 10 §2, §3): after staging or applying, the same content as HANDOFF.txt for the library's
 * copy of the bundle (the very bytes the node keeps: same SHA-256), saved as the three hand-off files to a folder,
 * as a printable page, and the proof that ISE took it — ISE's pasted Update Information and its ise-psc.log judged
 * by the same `confirm` core as the CLI; the result goes into Activity and the printable change report.
 */
import { Readable } from 'node:stream';
import { basename } from 'node:path';
import type { ActivityEntry, HandlerTable, HandoffView } from '../contract.js';
import type { LibraryEntry } from '../../library/index.js';
import { libraryDamaged } from '../../library/index.js';
import { confirmIse, handoffDocument, handoffHtml, handoffText, writeHandoff, type ConfirmReport } from '../../ise/index.js';
import { toCoreError } from '../../errors.js';
import { appText } from '../app-words.js';
import type { HandlerContext } from './context.js';

/** Where a library bundle came from, for HANDOFF.txt's "From" line. */
function sourceOf(e: LibraryEntry): string {
  const s = e.source;
  const where =
    s.kind === 'url'
      ? `fetched from ${s.url ?? 'the update feed'}${s.fetchedAt ? ` at ${s.fetchedAt}` : ''}`
      : s.kind === 'import'
        ? `imported from removable media${s.signer ? ` (signed by ${s.signer})` : ''}`
        : `added from ${s.path ? basename(s.path) : 'a file'}`;
  return `the library of this workstation (${where})`;
}

const signerOf = (e: LibraryEntry) =>
  e.custody ? { name: e.custody.signer, fingerprint: e.custody.signer, signedAt: e.custody.signedAt } : null;

/** One line per component and the log run: the evidence a change record keeps. */
function evidence(r: ConfirmReport): string[] {
  const lines = [
    `Update Information: last successful update ${r.ise.lastSuccessfulUpdate ?? 'none'}; ${r.ise.lastUpdateStatus ?? 'status not pasted'}`,
    ...r.components.map((c) => `${c.label}: ISE ${c.ise ?? '—'}, bundle ${c.bundle ?? 'not read'} → ${c.verdict}`),
  ];
  if (r.since) lines.push(`Hand-off: ${r.since} (${r.sinceSource})`);
  if (r.log) {
    lines.push(`ise-psc.log ${r.log.file}: ${r.log.verdict} — ${r.log.message}`);
    for (const u of r.log.run?.uris ?? []) lines.push(`  ${u.at} Offline download file URI :${u.uri}`);
  }
  return [...lines, ...r.problems.map((p) => `Missing: ${p}`)];
}

export function handoffHandlers(ctx: HandlerContext) {
  /** The target's name and deployment, when one is named. */
  const targetOf = (targetId: string | undefined) => (targetId ? ctx.targets.get(targetId) : null);
  /** The newest hand-off of this bundle saved from this workstation (what confirm measures the log run from). */
  const lastHandoff = (sha256: string): ActivityEntry | undefined =>
    ctx.activity.list().find((a) => a.kind === 'handoff' && a.sha256 === sha256 && a.result === 'success');
  const view = async (sha256: string, targetId?: string): Promise<HandoffView> => {
    const entry = await ctx.library.get(sha256);
    const checked = await ctx.inspections.get(entry.sha256, entry.path, entry.name);
    const target = targetOf(targetId);
    const document = handoffDocument({
      sha256: entry.sha256,
      size: entry.size,
      layout: checked.inspection.layout,
      versions: checked.inspection.versions,
      source: sourceOf(entry),
      signer: signerOf(entry),
      deployment: target?.deployment ?? null,
    });
    return { document, text: handoffText(document), target: target?.name ?? null, handedOffAt: lastHandoff(entry.sha256)?.at ?? null };
  };

  return {
    handoffView: async ({ sha256, targetId }) => view(sha256, targetId),

    saveHandoff: async ({ sha256, dir, targetId }) => {
      const target = targetOf(targetId);
      const deploymentText = target?.deployment ? `the deployment of PAN ${target.deployment}` : 'ISE';
      try {
        const entry = await ctx.library.get(sha256);
        const r = await writeHandoff(
          {
            file: entry.path,
            sha256: entry.sha256,
            source: sourceOf(entry),
            signer: signerOf(entry),
            deployment: target?.deployment ?? null,
            mismatch: (actual) => libraryDamaged(entry, actual, entry.size),
          },
          dir,
        );
        ctx.activity.add({
          kind: 'handoff',
          what: `handed off to ${r.dir} for ${deploymentText}${r.unchanged.length === 3 ? ' (already there)' : ''}`,
          ...(target ? { target: target.name } : {}),
          sha256: r.sha256,
          result: 'success',
        });
        return { dir: r.dir, files: [r.files.bundle, r.files.sha256, r.files.handoff], unchanged: r.unchanged, sha256: r.sha256 };
      } catch (e) {
        const err = toCoreError(e);
        ctx.activity.add({
          kind: 'handoff',
          what: `hand-off to ${dir} for ${deploymentText} stopped`,
          ...(target ? { target: target.name } : {}),
          sha256,
          result: 'refused',
          code: err.code,
          message: err.message,
        });
        throw err;
      }
    },

    handoffPage: async ({ sha256, targetId }) => {
      const v = await view(sha256, targetId);
      return { fileName: `handoff-${sha256.slice(0, 12)}.html`, mimeType: 'text/html', content: handoffHtml(v.document) };
    },

    confirmIse: async ({ sha256, status, log, targetId }) => {
      const entry = await ctx.library.get(sha256);
      const checked = await ctx.inspections.get(entry.sha256, entry.path, entry.name);
      const target = targetOf(targetId);
      const handed = lastHandoff(entry.sha256);
      const judged = await confirmIse({
        inspection: { ...checked.inspection, file: 'posture-offline.zip' },
        status,
        since: handed ? { at: new Date(handed.at), source: 'hand-off' } : null,
        ...(log ? { log: { name: basename(log.name), bytes: Readable.from([Buffer.from(log.dataBase64, 'base64')]) } } : {}),
      });
      // what is missing, in the app's words ("add ise-psc.log", not "give --ise-log")
      const report: ConfirmReport = { ...judged, problems: judged.problems.map((p) => appText(p)) };
      const words = { taken: 'ISE took it', 'not-taken': 'ISE has not taken it', 'cannot-tell': 'cannot tell whether ISE took it' }[
        report.verdict
      ];
      ctx.activity.add({
        kind: 'confirm',
        what: `confirm${target?.deployment ? ` on PAN ${target.deployment}` : ''}: ${words}`,
        ...(target ? { target: target.name } : {}),
        sha256: entry.sha256,
        result: report.verdict === 'taken' ? 'success' : 'refused',
        ...(report.problems[0] ? { message: report.problems[0] } : {}),
        evidence: evidence(report),
      });
      return report;
    },
  } satisfies Partial<HandlerTable>;
}
