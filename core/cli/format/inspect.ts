/**
 * Human output of `posture-stage inspect`: ISE's "Update Information" (the five labels and versions),
 * then one line per component with its summary, the checks and any warnings.
 */
import type { AvasSummary, ComponentInfo, Inspection, OsGroupNode, VersionHint } from '../../bundle/types.js';
import { VERSION_LABELS, type VersionKey } from '../../bundle/types.js';
import { bytes, count, plural, table } from './text.js';
import { escapeDeep } from './escape.js';

function newestSignature(s: AvasSummary): string {
  return s.newest ? `newest signature ${s.newest.version} (${s.newest.date})` : 'no signatures';
}

/** One line describing what a component holds. */
function summaryLine(c: ComponentInfo): string {
  const s = c.summary;
  switch (s.kind) {
    case 'conditions': {
      const k = s.counts;
      const d = s.defaults;
      return `${plural(k.checks, 'check')} · ${plural(k.conditions, 'condition')} · ${plural(k.remediations, 'remediation')} · ${plural(k.requirements, 'requirement')} · ${plural(k.policies, 'policy', 'policies')}; defaults: ${plural(d.policies.length, 'policy', 'policies')}, ${plural(d.requirements.length, 'requirement')}, ${plural(d.remediations.length, 'remediation')}`;
    }
    case 'avas':
      return `${plural(s.vendors, 'vendor')} · ${plural(s.products, 'product')}${s.omitted > 0 ? ` (${count(s.items.length)} listed)` : ''} · ${newestSignature(s)}`;
    case 'os':
      return (
        (s.legacy
          ? `${plural(s.osCount, 'OS entry', 'OS entries')} (flat legacy list in ${s.member})`
          : `${plural(s.osCount, 'OS entry', 'OS entries')} in ${plural(s.groupCount, 'group')} (${s.member})`) +
        (s.omitted > 0 ? ` (${count(s.osCount - s.omitted)} listed)` : '')
      );
  }
}

function groupsLine(tree: OsGroupNode[]): string {
  return tree.map((g) => `${g.name} (${g.groups.map((s) => s.name).join(', ') || plural(g.os.length, 'OS')})`).join('; ');
}

/** Where a version-like value was found: entry (member), element/attribute or file name. */
function whereOf(h: VersionHint): string {
  const file = h.member ? `${h.entry} → ${h.member}` : h.entry;
  if (h.in === 'file-name') return `${file} (file name)`;
  return h.in === 'attribute' ? `${file} <${h.element} ${h.attribute}="…">` : `${file} <${h.element}>…</${h.element}>`;
}

/** Unknown layout: the version-like values found, marked not verified, and the bounds of the scan. */
function hintLines(i: Inspection): string[] {
  const hints = i.versionHints ?? [];
  const out = [`Looks like a version (NOT verified: found by pattern, nothing says what it is)`];
  if (hints.length === 0) out.push('  (nothing found)');
  else
    out.push(
      table(
        hints.map((h) => [h.value, whereOf(h)]),
        '  ',
      ),
    );
  const s = i.scan;
  if (s) {
    out.push(
      `  Scanned ${bytes(s.scannedBytes)} of XML and tar listings (at most ${bytes(s.maxBytes)}, ${bytes(s.maxEntryBytes)} per entry; ${s.maxHintsPerEntry} values per entry, ${s.maxHints} in all)`,
    );
    if (s.hintsOmitted > 0) out.push(`  ${count(s.hintsOmitted)} more values not shown`);
    for (const n of s.notScanned) out.push(`  not scanned: ${n.name} (${n.reason}); its container checks passed`);
  }
  return out;
}

/** The whole human report; every string from the bundle is escaped for the terminal first. */
export function formatInspection(inspection: Inspection): string {
  const i = escapeDeep(inspection);
  const out: string[] = [];
  out.push(`${i.file}  ${bytes(i.size)}  sha256 ${i.sha256}`);
  out.push(`Layout: ${i.layout}${i.updated ? `   Updated: ${i.updated}` : ''}`, '');
  if (i.versions) {
    out.push('Update Information');
    out.push(
      table(
        (Object.keys(VERSION_LABELS) as VersionKey[]).map((k) => [VERSION_LABELS[k], (i.versions as Record<VersionKey, string>)[k]]),
        '  ',
      ),
      '',
    );
    out.push('Components');
    out.push(
      table(
        i.components.map((c) => [c.id, c.file, bytes(c.size), c.version, summaryLine(c)]),
        '  ',
      ),
    );
    const os = i.components.find((c) => c.id === 'supported-os');
    if (os && os.summary.kind === 'os') out.push(`  OS groups: ${groupsLine(os.summary.tree)}`);
    out.push('');
  } else {
    out.push('Versions: not read (layout not recognised: no posture-update.xml) — they cannot be compared', '');
    out.push('Opened (not verified)');
    out.push(
      table(
        (i.opened ?? []).map((o) => [o.name, o.kind, o.root ? `root ${o.root}` : o.members ? o.members.join(', ') : '']),
        '  ',
      ),
      '',
    );
    out.push(...hintLines(i), '');
  }
  const n = (s: string) => i.checks.filter((c) => c.status === s).length;
  out.push(`Checks: ${count(n('passed'))} passed, ${count(n('warned'))} warned, ${count(n('failed'))} failed`);
  for (const w of i.warnings) out.push(`  ! ${w.code}: ${w.message}`);
  out.push(`Entries: ${i.entries.length}`);
  if (i.entries.length <= 20)
    out.push(
      table(
        i.entries.map((e) => [e.name, bytes(e.size), `${bytes(e.compressedSize)} compressed`]),
        '  ',
      ),
    );
  return out.join('\n');
}
