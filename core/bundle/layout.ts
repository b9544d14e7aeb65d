/** The reference layout's table (bundle-format.md "Reference layout"): file, component id, version key. */
import type { ComponentId, VersionKey } from './types.js';

export const MANIFEST_NAME = 'posture-update.xml';
export const UPDATE_NS = 'http://www.cisco.com/cpm/update/1.0';
export const ATOM_NS = 'http://www.w3.org/2005/Atom';

export interface LayoutRow {
  id: ComponentId;
  file: string;
  title: string;
  versionKey: VersionKey;
  /** the member expected inside a nested .tar.gz */
  member?: string;
}

export const LAYOUT: readonly LayoutRow[] = [
  { id: 'conditions', file: 'posture-conditions.xml', title: 'Cisco conditions', versionKey: 'conditions' },
  { id: 'avas-windows', file: 'avas-support-chart-windows.xml', title: 'AV/AS support chart for windows', versionKey: 'avasWindows' },
  { id: 'avas-mac', file: 'avas-support-chart-mac.xml', title: 'AV/AS support chart for Mac OSX', versionKey: 'avasMac' },
  { id: 'avas-linux', file: 'avas-support-chart-linux.xml', title: 'AV/AS support chart for Linux', versionKey: 'avasLinux' },
  { id: 'supported-os', file: 'osgroupsV2.tar.gz', title: 'Cisco supported OS', versionKey: 'supportedOs', member: 'os-groups.xml' },
  {
    id: 'supported-os-legacy',
    file: 'osgroups.tar.gz',
    title: 'Cisco supported OS (legacy)',
    versionKey: 'supportedOs',
    member: 'osgroups.xml',
  },
];

export const LAYOUT_BY_ID = new Map(LAYOUT.map((r) => [r.id, r]));

/** Four dot-separated non-negative integers (bundle-format.md "Manifest" rules). */
export const VERSION_RE = /^(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})$/;
