/**
 * The bundle model shared by the CLI, the node agent, the transfer code and the UI.
 * Spec: ../shared/spec/bundle-format.md ("Reference layout", "Payloads") and
 * ../shared/spec/interfaces.md (`inspect` and `diff` JSON shapes — field names here are fixed there).
 * Type-only module: the renderer may `import type` from it.
 */
import type { Warning } from '../errors.js';

import type { ComponentId, VersionKey } from './components.js';

// ids, version keys and labels derive from the one component registry (./components.ts)
export { COMPONENT_IDS, VERSION_LABELS } from './components.js';
export type { ComponentId, VersionKey, VersionLabels, ShortLabels } from './components.js';

/** The five versions of ISE's "Update Information" (interfaces.md `versions` keys). */
export type Versions = Record<VersionKey, string>;

export const ZERO_VERSION = '0.0.0.0';

/** Configurable limits (bundle-format.md "Default limits"). */
export interface Limits {
  maxEntries: number;
  maxEntrySize: number;
  maxTotalSize: number;
  /** uncompressed:compressed ratio allowed per entry once it passes ratioThreshold bytes */
  maxRatio: number;
  ratioThreshold: number;
  maxTarMembers: number;
  maxTarSize: number;
  /**
   * XML work a bundle may cause per byte of its own size (elements and other markup, attributes,
   * entity references, kept items, and one per 64 bytes of text), and the least any bundle may cause
   * (core/bundle/xml/budget.ts): bounds parse time and memory however far a small zip inflates.
   */
  xmlNodesPerByte: number;
  minXmlNodes: number;
}

export interface ZipEntryInfo {
  name: string;
  /** uncompressed size as actually measured while inflating (0 for directories) */
  size: number;
  compressedSize: number;
}

export interface AvasProduct {
  vendor: string;
  vendorId: string;
  product: string;
  productId: string;
  category: 'antimalware' | 'antivirus' | 'antispyware' | 'firewall';
  versions: string;
  capabilities: string[];
  signatureVersion: string | null;
  signatureDate: string | null;
}

export interface ConditionsSummary {
  kind: 'conditions';
  counts: { checks: number; conditions: number; remediations: number; requirements: number; policies: number };
  defaults: { requirements: string[]; remediations: string[]; policies: string[] };
}

export interface AvasSummary {
  kind: 'avas';
  os: 'windows' | 'mac' | 'linux';
  vendors: number;
  /** every product of the chart, counted and checked */
  products: number;
  /**
   * one row per product (vendor, product, category, newest signature version and date), in the chart's
   * order, at most SUMMARY_ROWS of them: the summary stays the same size however large the chart grows
   * (issue 11), while diff and apply still use every product
   */
  items: AvasProduct[];
  /** products counted but not listed in `items` (0 unless the chart holds more than SUMMARY_ROWS) */
  omitted: number;
  /** the newest signature of any product (the first one with the latest date), listed or not */
  newest: { version: string; date: string } | null;
}

/** The most product rows an AV/AS summary lists, and OS entries an OS summary's tree lists (a real bundle holds a few thousand, and a few hundred). */
export const SUMMARY_ROWS = 5000;

export interface OsGroupNode {
  name: string;
  groups: OsGroupNode[];
  os: string[];
}

export interface OsSummary {
  kind: 'os';
  legacy: boolean;
  osCount: number;
  groupCount: number;
  /** the tree (legacy: one synthetic root with every os), listing at most SUMMARY_ROWS OS entries */
  tree: OsGroupNode[];
  /** OS entries counted but not listed in `tree` (0 unless there are more than SUMMARY_ROWS) */
  omitted: number;
  /** the tar member the xml came from */
  member: string;
}

export type ComponentSummary = ConditionsSummary | AvasSummary | OsSummary;

export interface ComponentInfo {
  id: ComponentId;
  file: string;
  version: string;
  size: number;
  sha256: string;
  summary: ComponentSummary;
}

/** One check of the spec and how it ended, for the UI's "every check shown as passed/warned/failed". */
export interface CheckResult {
  id: string;
  label: string;
  status: 'passed' | 'warned' | 'failed' | 'skipped';
  code?: string;
  message?: string;
}

/** `posture-stage inspect --json` minus `ok` (interfaces.md). */
export interface Inspection {
  file: string;
  size: number;
  sha256: string;
  layout: 'reference' | 'unknown';
  /** manifest <updated>, ISO; null when unknown layout */
  updated: string | null;
  /** null in the unknown layout: never claim versions that were not read */
  versions: Versions | null;
  components: ComponentInfo[];
  entries: ZipEntryInfo[];
  warnings: Warning[];
  checks: CheckResult[];
  /** unknown layout: what could be opened anyway (XML roots as `{namespace}local`, nested tar members); never verified */
  opened?: Array<{ name: string; kind: 'xml' | 'tar.gz' | 'other'; root?: string; members?: string[] }>;
  /** unknown layout: anything that looks like a version, with where it was found; never verified */
  versionHints?: VersionHint[];
  /** unknown layout: how much of the content was read for the above (the scan is bounded) */
  scan?: UnknownScan;
}

/**
 * Unknown layout: a value that looks like a version (four-part numbers and similar, or the value of an
 * attribute/element named like "version") and where it was found. Shown, never trusted: `verified` is false.
 */
export interface VersionHint {
  value: string;
  /** the zip entry (for a nested .tar.gz: the zip entry holding it) */
  entry: string;
  /** the member of a nested .tar.gz */
  member?: string;
  /** found in the entry's or member's file name, in an attribute value, or in an element's text */
  in: 'file-name' | 'attribute' | 'element';
  /** the element (local name) holding the attribute or the text */
  element?: string;
  attribute?: string;
  verified: false;
}

/** Unknown layout: the bounds of the scan behind `opened` and `versionHints`, and what they left out. */
export interface UnknownScan {
  /** bytes of XML read for roots and version hints, and the most that is read (per bundle, per entry) */
  scannedBytes: number;
  maxBytes: number;
  maxEntryBytes: number;
  /** entries opened for their container checks only (over a bound), with the reason */
  notScanned: Array<{ name: string; reason: string }>;
  /** hints found beyond the most that are kept (in all, and per entry) */
  hintsOmitted: number;
  maxHints: number;
  maxHintsPerEntry: number;
}

/** Every name in posture-conditions.xml per kind, and the default ones (created once, at the first update). */
export interface ConditionsIndex {
  checks: string[];
  conditions: string[];
  remediations: string[];
  requirements: string[];
  policies: string[];
  defaultPolicies: string[];
  defaultRequirements: string[];
  defaultRemediations: string[];
}

/**
 * Content of one installed or bundled component, as needed for a content diff.
 * The node agent stores this next to each installed payload.
 */
export interface ComponentContent {
  id: ComponentId;
  version: string;
  sha256: string;
  /** conditions: names per kind; avas: products; os: "Group/Sub/OS" paths */
  conditions?: ConditionsIndex;
  products?: AvasProduct[];
  os?: string[];
}

/** What the node holds, for `diffAgainstState`. Missing components are "not installed". */
export interface NodeContentState {
  versions: Versions;
  components: Partial<Record<ComponentId, ComponentContent>>;
}

export type ChangeKind = 'upgrade' | 'same' | 'downgrade' | 'new';

export interface ComponentChange {
  id: ComponentId;
  from: string | null;
  to: string;
  change: ChangeKind;
}

export interface ProductChange {
  os: 'windows' | 'mac' | 'linux';
  vendor: string;
  product: string;
  from?: string | null;
  to?: string | null;
}

/** `posture-stage diff --json` minus `ok` (interfaces.md). */
export interface BundleDiff {
  components: ComponentChange[];
  content: {
    products: { added: ProductChange[]; removed: ProductChange[]; signatureChanged: ProductChange[] };
    conditions: { added: string[]; removed: string[] };
    requirements: { added: string[]; removed: string[] };
    policies: { added: string[]; removed: string[] };
    os: { added: string[]; removed: string[] };
  };
  downgrade: boolean;
  /** STALE_BUNDLE when a component would go down a version or every component is the same (additive; absent when none) */
  warnings?: Warning[];
}

/** Options for the sample writer (`posture-stage sample`). */
export interface SampleOptions {
  /** marks the manifest (Atom <generator>); payload content depends only on the versions and the scale */
  seed?: number;
  scale?: number;
  versions?: Partial<Versions>;
  updated?: string;
  /** steps done of total (one per payload, then the zip), for the CLI's progress bar */
  onProgress?: (done: number, total: number) => void;
}
