/** The reference layout (bundle-format.md "Reference layout"): the manifest's name, its namespaces, the payload namespaces, and the component rows from the registry. */
import { COMPONENT_ROWS, COMPONENT_BY_ID, type Component } from './components.js';

export const MANIFEST_NAME = 'posture-update.xml';
export const UPDATE_NS = 'http://www.cisco.com/cpm/update/1.0';
export const ATOM_NS = 'http://www.w3.org/2005/Atom';
/** Each payload kind's XML namespace (bundle-format.md "Payloads"). */
export const PAYLOAD_NS = {
  conditions: 'urn:posture-stage:conditions:1',
  avas: 'urn:posture-stage:avas:1',
  os: 'urn:posture-stage:os:1',
} as const;

/** One row of the layout: a component of the registry (./components.ts). */
export type LayoutRow = Component;

export const LAYOUT: readonly LayoutRow[] = COMPONENT_ROWS;

export const LAYOUT_BY_ID = COMPONENT_BY_ID;

/** Four dot-separated non-negative integers (bundle-format.md "Manifest" rules). */
export const VERSION_RE = /^(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})$/;
