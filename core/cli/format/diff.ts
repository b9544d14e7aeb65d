/**
 * Human output of `posture-stage diff`: component, from → to, change (▲ upgrade, ▼ downgrade,
 * = same, + new), then the content changes with a few examples each, then any warnings (STALE_BUNDLE).
 */
import type { BundleDiff, ComponentChange, ProductChange } from '../../bundle/types.js';
import { plural, table } from './text.js';
import { escapeDeep, escapeForTerminal } from './escape.js';

const MARK: Record<ComponentChange['change'], string> = { upgrade: '▲ upgrade', downgrade: '▼ downgrade', same: '= same', new: '+ new' };
const SHOW = 5;

function examples(prefix: string, items: string[]): string[] {
  const lines = items.slice(0, SHOW).map((s) => `      ${prefix} ${s}`);
  if (items.length > SHOW) lines.push(`      … and ${items.length - SHOW} more`);
  return lines;
}

const product = (p: ProductChange) => `${p.os}: ${p.vendor} / ${p.product}`;

/** The whole human diff report; every string from the bundles (or the node) is escaped for the terminal first. */
export function formatDiff(diff: BundleDiff, oldLabel: string, newLabel: string): string {
  const d = escapeDeep(diff);
  const out = [`Applying ${escapeForTerminal(newLabel)} over ${escapeForTerminal(oldLabel)}:`, ''];
  out.push(
    table(
      [['Component', 'From', '', 'To', 'Change'], ...d.components.map((c) => [c.id, c.from ?? '(none)', '→', c.to, MARK[c.change]])],
      '  ',
    ),
    '',
  );
  const c = d.content;
  out.push('Content');
  const p = c.products;
  out.push(
    `  AV/AS products: ${p.added.length} added, ${p.removed.length} removed, ${plural(p.signatureChanged.length, 'signature')} changed`,
  );
  out.push(
    ...examples(
      '+',
      p.added.map((x) => `${product(x)}${x.to ? ` (${x.to})` : ''}`),
    ),
  );
  out.push(...examples('-', p.removed.map(product)));
  out.push(
    ...examples(
      '~',
      p.signatureChanged.map((x) => `${product(x)}: ${x.from ?? 'none'} → ${x.to ?? 'none'}`),
    ),
  );
  for (const [label, set] of [
    ['Conditions', c.conditions],
    ['Requirements', c.requirements],
    ['Policies', c.policies],
    ['OS entries', c.os],
  ] as const) {
    out.push(`  ${label}: ${set.added.length} added, ${set.removed.length} removed`);
    out.push(...examples('+', set.added), ...examples('-', set.removed));
  }
  if (d.downgrade) out.push('', '▼ At least one component would go DOWN a version: a node refuses this unless --allow-downgrade is given.');
  if (d.warnings && d.warnings.length > 0) out.push('', 'Warnings', ...d.warnings.map((w) => `  ! ${w.code}: ${w.message}`));
  return out.join('\n');
}
