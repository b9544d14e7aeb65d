/**
 * What applying a bundle changes (interfaces.md `diff`): per component upgrade/same/downgrade/new,
 * compared numerically field by field (bundle-format.md "Manifest" rules), plus a content diff of
 * AV/AS products (added/removed/signature changed), conditions/requirements/policies and OS entries,
 * and a STALE_BUNDLE warning when a component would go down or nothing would change (./stale.ts).
 */
import type { CheckedBundle } from './options.js';
import { requireReferenceLayout } from './reference.js';
import { compareVersions } from './versions.js';
import {
  COMPONENT_IDS,
  ZERO_VERSION,
  type BundleDiff,
  type ChangeKind,
  type ComponentChange,
  type ComponentContent,
  type ComponentId,
  type NodeContentState,
  type ProductChange,
} from './types.js';
import { LAYOUT, LAYOUT_BY_ID } from './layout.js';
import { diffStaleWarnings } from './stale.js';

type Old = { version: string | null; content: ComponentContent | undefined };

function change(from: string | null, to: string): ChangeKind {
  if (from === null) return 'new';
  const c = compareVersions(to, from);
  return c > 0 ? 'upgrade' : c < 0 ? 'downgrade' : 'same';
}

function setDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const a = new Set(before);
  const b = new Set(after);
  return { added: [...b].filter((x) => !a.has(x)), removed: [...a].filter((x) => !b.has(x)) };
}

/** The AV/AS charts and their OS, from the component registry. */
const CHART_OS = new Map<ComponentId, ProductChange['os']>(
  LAYOUT.flatMap((c) => (c.payload.kind === 'avas' ? [[c.id, c.payload.os]] : [])),
);

/** Compares old (version + content, possibly unknown) with the new bundle's components. */
function diff(old: (id: ComponentId) => Old, next: CheckedBundle, oldLabel: string): BundleDiff {
  requireReferenceLayout(next);
  const out: BundleDiff = {
    components: [],
    content: {
      products: { added: [], removed: [], signatureChanged: [] },
      conditions: { added: [], removed: [] },
      requirements: { added: [], removed: [] },
      policies: { added: [], removed: [] },
      os: { added: [], removed: [] },
    },
    downgrade: false,
  };
  for (const id of COMPONENT_IDS) {
    const now = next.contents.get(id);
    if (!now) continue;
    const before = old(id);
    const c: ComponentChange = { id, from: before.version, to: now.version, change: change(before.version, now.version) };
    out.components.push(c);
    if (c.change === 'downgrade') out.downgrade = true;
    // same version: the node skips the component on apply, so its content does not change
    if (c.change === 'same') continue;
    // content we cannot see (installed but no content recorded) is not diffed: never claim changes we did not read
    const prev = before.content ?? (before.version === null ? { id, version: ZERO_VERSION, sha256: '' } : undefined);
    if (!prev) continue;
    const kind = LAYOUT_BY_ID.get(id)?.payload;
    const os = CHART_OS.get(id);
    if (os) {
      const key = (p: { vendor: string; product: string }) => `${p.vendor}\u0000${p.product}`;
      const was = new Map((prev.products ?? []).map((p) => [key(p), p]));
      const is = new Map((now.products ?? []).map((p) => [key(p), p]));
      for (const [k, p] of is) {
        const w = was.get(k);
        if (!w) out.content.products.added.push({ os, vendor: p.vendor, product: p.product, to: p.signatureVersion });
        else if (w.signatureVersion !== p.signatureVersion)
          out.content.products.signatureChanged.push({
            os,
            vendor: p.vendor,
            product: p.product,
            from: w.signatureVersion,
            to: p.signatureVersion,
          });
      }
      for (const [k, w] of was)
        if (!is.has(k)) out.content.products.removed.push({ os, vendor: w.vendor, product: w.product, from: w.signatureVersion });
    } else if (kind?.kind === 'conditions') {
      const a = prev.conditions;
      const b = now.conditions;
      out.content.conditions = setDiff(a?.conditions ?? [], b?.conditions ?? []);
      out.content.requirements = setDiff(a?.requirements ?? [], b?.requirements ?? []);
      out.content.policies = setDiff(a?.policies ?? [], b?.policies ?? []);
    } else if (kind?.kind === 'os' && !kind.legacy) {
      out.content.os = setDiff(prev.os ?? [], now.os ?? []);
    }
  }
  const warnings = diffStaleWarnings(out.components, oldLabel);
  if (warnings.length > 0) out.warnings = warnings;
  return out;
}

/** What applying `next` over `old` changes. */
export function diffBundles(old: CheckedBundle, next: CheckedBundle): BundleDiff {
  requireReferenceLayout(old);
  return diff(
    (id) => {
      const c = old.contents.get(id);
      return { version: c?.version ?? null, content: c };
    },
    next,
    'the old bundle',
  );
}

/** What applying `next` to a node holding `state` changes (0.0.0.0 = never installed). */
export function diffAgainstState(state: NodeContentState, next: CheckedBundle): BundleDiff {
  return diff(
    (id) => {
      const content = state.components[id];
      const row = LAYOUT_BY_ID.get(id);
      const v = content?.version ?? (row ? state.versions[row.versionKey] : undefined);
      return { version: v && v !== ZERO_VERSION ? v : null, content };
    },
    next,
    'the node',
  );
}
