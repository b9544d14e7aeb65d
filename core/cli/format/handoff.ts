/** Output of `agent handoff` and `handoff`: what was written where, and what to do next on the PAN. */
import type { HandoffResult } from '../../ise/types.js';

/** `--json`: the files, the bundle, the document HANDOFF.txt was made from. */
export function handoffData(r: HandoffResult): Record<string, unknown> {
  return {
    dir: r.dir,
    files: r.files,
    sha256: r.sha256,
    size: r.size,
    layout: r.layout,
    versions: r.versions,
    unchanged: r.unchanged,
    document: r.document,
  };
}

/** For humans: the three files, then the GUI path to follow. */
export function describeHandoff(r: HandoffResult): string {
  const mark = (name: string) => (r.unchanged.includes(name) ? ' (already there, same content: left as it was)' : '');
  return [
    `Hand-off written to ${r.dir}:`,
    `  ${r.files.bundle}${mark('posture-offline.zip')}  (${r.size} bytes, SHA-256 ${r.sha256}, ${r.layout === 'reference' ? 'reference layout' : 'layout not recognised'})`,
    `  ${r.files.sha256}${mark('posture-offline.zip.sha256')}`,
    `  ${r.files.handoff}${mark('HANDOFF.txt')}`,
    '',
    `Next, on ${r.document.deployment ? `the PAN ${r.document.deployment}` : 'the Primary Administration Node'}: Administration > System > Settings > Posture > Updates > Offline > Browse > Update Now (HANDOFF.txt has every step).`,
    r.layout === 'reference' && r.versions
      ? `ISE should then show conditions ${r.versions.conditions}, windows ${r.versions.avasWindows}, Mac OSX ${r.versions.avasMac}, Linux ${r.versions.avasLinux}, supported OS ${r.versions.supportedOs}.`
      : 'The versions inside cannot be read; check ise-psc.log for a completed "opswat download" run after Update Now.',
    'Then prove it: posture-stage confirm posture-offline.zip --ise-status update-information.txt --ise-log ise-psc.log',
  ].join('\n');
}
