/**
 * The workstation's activity log (fetches, imports, transfers, applies): one JSON line per event in
 * `<home>/activity.jsonl`, exportable as CSV and as a printable HTML change report an approver signs.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { z } from 'zod';
import type { ActivityEntry } from './contract.js';
import { CoreError, toCoreError } from '../errors.js';
import { fileError, isPermissionError, permissionDenied } from '../file-errors.js';
import { parseJsonLines } from '../jsonl.js';

/** One line of activity.jsonl. */
const entrySchema = z.object({
  at: z.string(),
  who: z.string(),
  kind: z.enum(['fetch', 'import', 'export', 'delete', 'transfer', 'apply', 'stage', 'dry-run', 'target', 'kit', 'handoff', 'confirm']),
  what: z.string(),
  target: z.string().optional(),
  sha256: z.string().optional(),
  result: z.enum(['success', 'refused', 'failed']),
  code: z.string().optional(),
  message: z.string().optional(),
  evidence: z.array(z.string()).optional(),
}) satisfies z.ZodType<ActivityEntry>;
// `satisfies` lets a schema accept less than the type (a kind missing from the enum): both ways, or a compile error
const _exact: [z.output<typeof entrySchema>, ActivityEntry] extends [ActivityEntry, z.output<typeof entrySchema>] ? true : never = true;

/** Who acts on this workstation: the OS account, as ISE's audit would name the admin. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** Append-only log of what this workstation did. */
export class ActivityLog {
  readonly file: string;
  constructor(home: string) {
    this.file = join(home, 'activity.jsonl');
  }

  add(entry: Omit<ActivityEntry, 'at' | 'who'> & { at?: string }): ActivityEntry {
    const full: ActivityEntry = { at: entry.at ?? new Date().toISOString(), who: currentUser(), ...entry };
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      appendFileSync(this.file, JSON.stringify(full) + '\n', { mode: 0o600 });
    } catch (e) {
      throw fileError(e, this.file, 'The activity log', () => toCoreError(e), 'write');
    }
    return full;
  }

  /** Newest first; a torn last line (crash while appending) is skipped, not fatal. */
  list(): ActivityEntry[] {
    let raw = '';
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch (e) {
      if (isPermissionError(e)) throw permissionDenied(this.file, 'The activity log', 'read', e);
      return [];
    }
    const invalid = (line: number, problem: string) =>
      new CoreError(
        'STORE_CORRUPT',
        `${this.file} cannot be read (line ${line}: ${problem}). Restore it from a backup, or move it aside to start a new activity log.`,
        { file: this.file, line, problem },
      );
    return parseJsonLines(raw, entrySchema, invalid).reverse();
  }
}

const COLUMNS = ['at', 'who', 'kind', 'what', 'target', 'sha256', 'result', 'code', 'message', 'evidence'] as const;

/** RFC 4180 CSV; cells starting with = + - @ are prefixed with ' so spreadsheets do not run them. */
export function activityCsv(entries: ActivityEntry[]): string {
  const cell = (v: unknown): string => {
    let s = v === undefined || v === null ? '' : Array.isArray(v) ? v.join(' | ') : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [COLUMNS.join(','), ...entries.map((e) => COLUMNS.map((c) => cell(e[c])).join(','))].join('\r\n') + '\r\n';
}

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** A self-contained printable change report with a signature block. */
export function activityHtml(entries: ActivityEntry[], generatedBy: string, now = new Date()): string {
  const rows = entries
    .map(
      (e) =>
        `<tr class="${esc(e.result)}"><td>${esc(e.at)}</td><td>${esc(e.who)}</td><td>${esc(e.kind)}</td><td>${esc(e.what)}</td><td>${esc(e.target)}</td><td class="mono">${esc(e.sha256)}</td><td>${esc(e.result)}${e.code ? ` (${esc(e.code)})` : ''}</td></tr>` +
        // confirm's evidence (per component, the log run) under its row: what a change record keeps
        (e.evidence?.length
          ? `\n<tr class="evidence"><td></td><td colspan="6"><pre>${e.evidence.map(esc).join('\n')}</pre></td></tr>`
          : ''),
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Posture update change report</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body{font:13px system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top}.mono{font-family:monospace;word-break:break-all;font-size:11px}
tr.failed td,tr.refused td{background:#fde8e8}tr.evidence td{background:#fafafa;border-top:none}tr.evidence pre{margin:0;font-size:11px;white-space:pre-wrap}.sign{margin-top:3em;display:grid;grid-template-columns:1fr 1fr;gap:3em}
.sign div{border-top:1px solid #000;padding-top:4px}@media print{body{margin:1cm}}
</style></head><body>
<h1>Posture update change report</h1>
<p>Generated ${esc(now.toISOString())} by ${esc(generatedBy)} with Posture Stage. ${entries.length} entries.</p>
<table><thead><tr><th>When (UTC)</th><th>Who</th><th>Kind</th><th>What</th><th>Target</th><th>SHA-256</th><th>Result</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<div class="sign"><div>Prepared by (name, date, signature)</div><div>Approved by (name, date, signature)</div></div>
</body></html>
`;
}
