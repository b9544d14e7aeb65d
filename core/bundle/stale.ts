/**
 * STALE_BUNDLE (bundle-format.md "Error codes", a warning): the bundle is not the newest content
 * known — a node or another bundle already holds a newer version of some component — or applying it
 * would change nothing. Warnings never refuse anything; the node still decides per component
 * (interfaces.md "Apply semantics": newer applied, same skipped, older refused without allowDowngrade).
 */
import type { Warning } from '../errors.js';
import { compareVersions } from './versions.js';
import { VERSION_LABELS, type ComponentChange, type Versions, type VersionKey } from './types.js';

/** One component of the bundle that is older than what is known elsewhere. */
interface StaleComponent {
  key: VersionKey;
  label: string;
  version: string;
  newer: string;
}

const KEYS = Object.keys(VERSION_LABELS) as VersionKey[];

/**
 * STALE_BUNDLE when any of `known` (node states, other bundles) has a newer version of a component
 * than `bundle`; the message names each older component and the newest version known for it.
 */
export function staleWarnings(bundle: Versions, known: Versions | Versions[]): Warning[] {
  const all = Array.isArray(known) ? known : [known];
  const stale: StaleComponent[] = [];
  for (const key of KEYS) {
    let newest: string | null = null;
    for (const k of all) {
      const v = k[key];
      if (typeof v === 'string' && (newest === null || compareVersions(v, newest) > 0)) newest = v;
    }
    if (newest !== null && compareVersions(bundle[key], newest) < 0)
      stale.push({ key, label: VERSION_LABELS[key], version: bundle[key], newer: newest });
  }
  if (stale.length === 0) return [];
  const list = stale.map((s) => `${s.label} ${s.version} (newer known: ${s.newer})`).join('; ');
  return [
    {
      code: 'STALE_BUNDLE',
      message: `This bundle is older than content already known: ${list}. A node holding the newer content refuses it as a downgrade; use the newer bundle, or fetch a current posture-offline.zip.`,
      details: { components: stale },
    },
  ];
}

/**
 * STALE_BUNDLE for a diff (diffBundles/diffAgainstState): some component would go down a version, or
 * every component is the same version (applying it would skip everything and change nothing).
 */
export function diffStaleWarnings(components: readonly ComponentChange[], oldLabel: string): Warning[] {
  const down = components.filter((c) => c.change === 'downgrade');
  if (down.length > 0) {
    const list = down.map((c) => `${c.id} ${c.to} (${oldLabel} has ${c.from ?? 'none'})`).join('; ');
    return [
      {
        code: 'STALE_BUNDLE',
        message: `This bundle is older than ${oldLabel} for ${list}. Applying it would be refused as a downgrade unless --allow-downgrade is given; use a newer bundle.`,
        details: { reason: 'downgrade', components: down.map((c) => ({ id: c.id, version: c.to, newer: c.from })) },
      },
    ];
  }
  if (components.length > 0 && components.every((c) => c.change === 'same')) {
    return [
      {
        code: 'STALE_BUNDLE',
        message: `Every component of this bundle is the same version as ${oldLabel} has: applying it would skip them all and change nothing. Fetch a newer posture-offline.zip if you expected an update.`,
        details: { reason: 'same-version', components: components.map((c) => ({ id: c.id, version: c.to })) },
      },
    ];
  }
  return [];
}
