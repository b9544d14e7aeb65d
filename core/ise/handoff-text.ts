/**
 * HANDOFF.txt (interfaces.md `agent handoff`): the steps in ISE's own words (Cisco's offline update procedure,
 * ../shared/seed/ise-posture-update.ja.txt: Administration > System > Settings > Posture > Updates > Offline >
 * Browse > Update Now, on the Primary Administration Node — the update applies to the whole deployment), the
 * file's hash, the five versions ISE should show afterwards when the layout is known, and what to look for in
 * ise-psc.log. One document model, rendered as text here and drawn by the app's hand-off step.
 */
import type { Versions, VersionKey } from '../bundle/types.js';
import { VERSION_LABELS } from '../bundle/types.js';
import type { HandoffDocument, HandoffSection } from './types.js';

export const HANDOFF_BUNDLE = 'posture-offline.zip';
export const HANDOFF_SUMS = 'posture-offline.zip.sha256';
export const HANDOFF_TEXT = 'HANDOFF.txt';
/** The line of HANDOFF.txt that says when it was prepared (`confirm` reads it as the hand-off time). */
const PREPARED_LABEL = 'Prepared';

export interface HandoffInput {
  sha256: string;
  size: number;
  layout: 'reference' | 'unknown';
  versions: Versions | null;
  source: string;
  signer?: { name: string; fingerprint: string; signedAt: string } | null;
  deployment?: string | null;
  preparedAt?: Date;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "2025-03-13 14:02:11" in this computer's local time. */
export function localTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The `sha256sum` line for the bundle (two spaces: text mode), so `sha256sum -c` checks it. */
export function sumsLine(sha256: string): string {
  return `${sha256}  ${HANDOFF_BUNDLE}\n`;
}

const bytesText = (n: number) => `${n.toLocaleString('en-US')} bytes`;

/** Builds the hand-off document. */
export function handoffDocument(input: HandoffInput): HandoffDocument {
  const prepared = input.preparedAt ?? new Date();
  const deployment = input.deployment?.trim() || null;
  const expected =
    input.layout === 'reference' && input.versions
      ? (Object.keys(VERSION_LABELS) as VersionKey[]).map((key) => ({
          key,
          label: VERSION_LABELS[key],
          version: (input.versions as Versions)[key],
        }))
      : null;
  const pan = deployment ? `the PAN ${deployment}` : 'the Primary Administration Node (PAN)';
  const sections: HandoffSection[] = [
    {
      id: 'file',
      title: 'The file',
      facts: [
        { label: 'File', value: `${HANDOFF_BUNDLE} (${bytesText(input.size)})` },
        { label: 'SHA-256', value: input.sha256 },
        {
          label: 'Layout',
          value:
            input.layout === 'reference'
              ? 'reference (posture-update.xml): every check of the format passed'
              : "not recognised (Cisco's own layout): its container passed every check; its versions cannot be read or compared",
        },
        ...(deployment ? [{ label: 'ISE deployment', value: `PAN ${deployment}` }] : []),
        { label: 'From', value: input.source },
        ...(input.signer
          ? [{ label: 'Signed by', value: `${input.signer.name} (${input.signer.fingerprint}) at ${input.signer.signedAt}` }]
          : []),
        { label: PREPARED_LABEL, value: `${localTime(prepared)} (this computer's local time; ${prepared.toISOString()})` },
      ],
    },
    {
      id: 'check',
      title: 'Check the file before you upload it',
      intro: `${HANDOFF_SUMS} holds its SHA-256. On the computer you upload from:`,
      code: [`sha256sum -c ${HANDOFF_SUMS}`, `certutil -hashfile ${HANDOFF_BUNDLE} SHA256     (Windows: compare with the SHA-256 above)`],
    },
    {
      id: 'upload',
      title: `Upload it to ISE — once, on ${pan}`,
      intro: `Posture updates apply to the whole ISE deployment: do this once, in the GUI of ${pan}, never on each node.`,
      steps: [
        `Save ${HANDOFF_BUNDLE} to your local system.`,
        'In the Cisco ISE GUI, click the Menu icon (☰) and choose Administration > System > Settings > Posture.',
        'Click Updates. The Posture Updates window is displayed.',
        'Click the Offline option.',
        `Click Browse to locate the archive file (${HANDOFF_BUNDLE}) from the local folder in your system. The File to Update field is mandatory; select only this one .zip file (.tar and .gz are not supported).`,
        'Click Update Now. The status changes to "Updating"; wait until it ends.',
      ],
    },
    {
      id: 'expect',
      title: 'What ISE should show afterwards (Update Information)',
      ...(expected
        ? {
            facts: [
              { label: 'Last successful update on', value: 'the time you clicked Update Now (or later)' },
              { label: 'Last update status since ISE was started', value: 'Last update attempt at … was successful' },
              ...expected.map((e) => ({ label: e.label, value: e.version })),
            ],
            note: 'A version higher than this one means ISE already had newer content; a lower one means the update was not taken.',
          }
        : {
            intro:
              'The versions inside this file could not be read (layout not recognised), so they cannot be compared here. After Update Now, ISE should show:',
            facts: [
              { label: 'Last successful update on', value: 'the time you clicked Update Now (or later)' },
              { label: 'Last update status since ISE was started', value: 'Last update attempt at … was successful' },
            ],
            note: 'Note the five versions ISE then shows in your change record, and check ise-psc.log as below.',
          }),
    },
    {
      id: 'log',
      title: 'What to look for in ise-psc.log',
      intro: `On ${pan}: Operations > Troubleshooting > Download Logs > (the PAN) > Debug Logs > Application Logs > ise-psc.log (or, on the PAN's CLI: show logging application ise-psc.log tail). Open it and filter for "opswat download". A good run, after the time you clicked Update Now:`,
      code: [
        '… INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Starting opswat download',
        '… INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Offline download file URI :/opt/CSCOCpm/temp/cp/update/<uuid>/osgroupsV2.tar.gz',
        '… INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Offline download file URI :/opt/CSCOCpm/temp/cp/update/<uuid>/osgroups.tar.gz',
        '… INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Completed opswat download',
      ],
      note: 'ISE in Japanese logs "opswatのダウンロードを開始" and "オフラインダウンロードファイルURI". A run with "Starting" but no "Completed" did not finish; no run at all after Update Now means ISE did not take the file.',
    },
    {
      id: 'confirm',
      title: 'Prove it (evidence for change management)',
      intro: "Copy ISE's Update Information block from the GUI into a text file, download ise-psc.log as above, and run in this folder:",
      code: [`posture-stage confirm ${HANDOFF_BUNDLE} --ise-status update-information.txt --ise-log ise-psc.log`],
      note:
        input.layout === 'reference'
          ? 'It exits 0 only when ISE shows every component of this bundle (and, with the log, its completed run after this hand-off).'
          : 'For a layout that is not recognised it judges by the log run and the last successful update: it exits 0 only with a completed run after this hand-off.',
    },
  ];
  return {
    file: { name: HANDOFF_BUNDLE, size: input.size, sha256: input.sha256 },
    layout: input.layout,
    expected,
    deployment,
    source: input.source,
    signer: input.signer ?? null,
    preparedAt: localTime(prepared),
    preparedAtIso: prepared.toISOString(),
    sections,
  };
}

/** HANDOFF.txt. */
export function handoffText(doc: HandoffDocument): string {
  const title = `Hand-off to Cisco ISE${doc.deployment ? ` (deployment of PAN ${doc.deployment})` : ''}: ${doc.file.name}`;
  const out = [title, '='.repeat([...title].length), ''];
  for (const s of doc.sections) {
    out.push(s.title, '-'.repeat([...s.title].length));
    if (s.intro) out.push(s.intro);
    if (s.facts) {
      const width = Math.max(...s.facts.map((f) => f.label.length));
      for (const f of s.facts) out.push(`  ${`${f.label}:`.padEnd(width + 1)} ${f.value}`);
    }
    if (s.steps) s.steps.forEach((step, i) => out.push(`  ${i + 1}. ${step}`));
    if (s.code) for (const c of s.code) out.push(`    ${c}`);
    if (s.note) out.push(s.note);
    out.push('');
  }
  return out.join('\n');
}

/** HANDOFF.txt without its Prepared line: two hand-offs of the same file for the same deployment compare equal. */
export function handoffTextWithoutTime(text: string): string {
  return text
    .split('\n')
    .filter((l) => !new RegExp(`^\\s*${PREPARED_LABEL}:`).test(l))
    .join('\n');
}

/** The hand-off time HANDOFF.txt records (its Prepared line), or null. */
export function preparedTimeOf(text: string): Date | null {
  const m = new RegExp(`^\\s*${PREPARED_LABEL}:\\s*\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} \\([^;]*;\\s*([0-9T:.\\-]+Z)\\)`, 'm').exec(
    text.slice(0, 64 * 1024),
  );
  const d = m?.[1] ? new Date(m[1]) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** A printable page of the hand-off (self-contained HTML, no script), for the change record. */
export function handoffHtml(doc: HandoffDocument): string {
  const body = doc.sections
    .map((s) => {
      const parts = [`<h2>${esc(s.title)}</h2>`];
      if (s.intro) parts.push(`<p>${esc(s.intro)}</p>`);
      if (s.facts)
        parts.push(
          `<table>${s.facts.map((f) => `<tr><th>${esc(f.label)}</th><td class="${/^[0-9a-f]{64}$/.test(f.value) || /^\d+(\.\d+){3}$/.test(f.value) ? 'mono' : ''}">${esc(f.value)}</td></tr>`).join('')}</table>`,
        );
      if (s.steps) parts.push(`<ol>${s.steps.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>`);
      if (s.code) parts.push(`<pre>${s.code.map(esc).join('\n')}</pre>`);
      if (s.note) parts.push(`<p class="note">${esc(s.note)}</p>`);
      return `<section>${parts.join('\n')}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hand-off to Cisco ISE: ${esc(doc.file.sha256.slice(0, 12))}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body{font:13px system-ui,sans-serif;margin:2em;color:#111;max-width:60em}h1{font-size:20px}h2{font-size:15px;margin-top:1.6em}
table{border-collapse:collapse}th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}th{font-weight:600;background:#f3f3f3}
.mono,pre{font-family:monospace;word-break:break-all}pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;font-size:11px}
.note{color:#333}.sign{margin-top:3em;display:grid;grid-template-columns:1fr 1fr;gap:3em}.sign div{border-top:1px solid #000;padding-top:4px}
section{break-inside:avoid}@media print{body{margin:1cm}}
</style></head><body>
<h1>Hand-off to Cisco ISE${doc.deployment ? ` — deployment of PAN ${esc(doc.deployment)}` : ''}</h1>
${body}
<div class="sign"><div>Uploaded to ISE by (name, date, time)</div><div>Checked by (name, date)</div></div>
</body></html>
`;
}
