/**
 * The one component registry (bundle-format.md "Reference layout" and ISE's "Update Information"):
 * every component's id, file at the archive root, nested tar member, manifest title, the version it
 * drives with ISE's label, a short label for diagrams, and how its payload is parsed. Everything else
 * derives from this table — component ids, version keys and labels (./types.ts), the layout rows
 * (./layout.ts), the payload parsers (./check.ts), the sample writer, the node store's version keys,
 * the CLI's tables — and the renderer's tables are type-checked against the literal types below.
 *
 * Pure data with no imports: the renderer may `import type` from here (STYLE.md layering).
 */

/** How a component's payload is parsed (payloads.ts); avas charts name their OS. */
export type PayloadKind = { kind: 'conditions' } | { kind: 'avas'; os: 'windows' | 'mac' | 'linux' } | { kind: 'os'; legacy: boolean };

/** The registry, in ISE's display order. */
export const COMPONENTS = [
  {
    id: 'conditions',
    file: 'posture-conditions.xml',
    title: 'Cisco conditions',
    versionKey: 'conditions',
    label: 'Cisco conditions version',
    short: 'Cisco conditions',
    payload: { kind: 'conditions' },
  },
  {
    id: 'avas-windows',
    file: 'avas-support-chart-windows.xml',
    title: 'AV/AS support chart for windows',
    versionKey: 'avasWindows',
    label: 'Cisco AV/AS support chart version for windows',
    short: 'AV/AS chart windows',
    payload: { kind: 'avas', os: 'windows' },
  },
  {
    id: 'avas-mac',
    file: 'avas-support-chart-mac.xml',
    title: 'AV/AS support chart for Mac OSX',
    versionKey: 'avasMac',
    label: 'Cisco AV/AS support chart version for Mac OSX',
    short: 'AV/AS chart Mac OSX',
    payload: { kind: 'avas', os: 'mac' },
  },
  {
    id: 'avas-linux',
    file: 'avas-support-chart-linux.xml',
    title: 'AV/AS support chart for Linux',
    versionKey: 'avasLinux',
    label: 'Cisco AV/AS support chart version for Linux',
    short: 'AV/AS chart Linux',
    payload: { kind: 'avas', os: 'linux' },
  },
  {
    id: 'supported-os',
    file: 'osgroupsV2.tar.gz',
    member: 'os-groups.xml',
    title: 'Cisco supported OS',
    versionKey: 'supportedOs',
    label: 'Cisco supported OS version',
    short: 'Cisco supported OS',
    payload: { kind: 'os', legacy: false },
  },
  {
    id: 'supported-os-legacy',
    file: 'osgroups.tar.gz',
    member: 'osgroups.xml',
    title: 'Cisco supported OS (legacy)',
    // the legacy list carries the same version as supported-os (bundle-format.md "Manifest" rules)
    versionKey: 'supportedOs',
    label: 'Cisco supported OS version',
    short: 'Supported OS (legacy)',
    payload: { kind: 'os', legacy: true },
  },
] as const satisfies ReadonlyArray<{
  id: string;
  file: string;
  member?: string;
  title: string;
  versionKey: string;
  label: string;
  short: string;
  payload: PayloadKind;
}>;

type Row = (typeof COMPONENTS)[number];
/** Component ids of the reference layout. */
export type ComponentId = Row['id'];
/** The five versions of ISE's "Update Information". */
export type VersionKey = Row['versionKey'];
/** ISE's label of each version, as literal types (tables elsewhere are checked against them). */
export type VersionLabels = { [K in VersionKey]: Extract<Row, { versionKey: K }>['label'] };
/** The short label of each component, as literal types. */
export type ShortLabels = { [I in ComponentId]: Extract<Row, { id: I }>['short'] };

/** One row of the registry. */
export interface Component {
  id: ComponentId;
  /** the file at the archive root */
  file: string;
  /** the one member expected inside a nested .tar.gz */
  member?: string;
  /** the manifest entry's <title> */
  title: string;
  versionKey: VersionKey;
  /** ISE's "Update Information" label of the version */
  label: string;
  /** a short label (diagrams) */
  short: string;
  payload: PayloadKind;
}

const ROWS: readonly Component[] = COMPONENTS;

/** Component ids in ISE's order. */
export const COMPONENT_IDS = COMPONENTS.map((c) => c.id);
/** The row of each component id. */
export const COMPONENT_BY_ID: ReadonlyMap<ComponentId, Component> = new Map(ROWS.map((c) => [c.id, c]));
/** Which of the five versions each component drives. */
export const VERSION_KEY = Object.fromEntries(COMPONENTS.map((c) => [c.id, c.versionKey])) as { [I in ComponentId]: VersionKey };
/** The five version keys in ISE's order, and ISE's label for each. */
export const VERSION_LABELS = Object.fromEntries(COMPONENTS.map((c) => [c.versionKey, c.label])) as VersionLabels;
/** The five version keys in ISE's order. */
export const VERSION_KEYS = Object.keys(VERSION_LABELS) as VersionKey[];
/** The short label of each component. */
export const SHORT_LABELS = Object.fromEntries(COMPONENTS.map((c) => [c.id, c.short])) as ShortLabels;
/** The first component driving each version (its id is also the CLI's option name: --avas-windows). */
export const VERSION_COMPONENTS: readonly Component[] = VERSION_KEYS.map((k) => ROWS.find((c) => c.versionKey === k) as Component);

/** Every row, typed as rows (for code that reads `member`, `payload`). */
export { ROWS as COMPONENT_ROWS };
