/** bundle-format.md "Default limits", and how a caller's limits are merged over them. */
import { CoreError } from '../errors.js';
import type { Limits } from './types.js';
import { XML_NODES_FLOOR, XML_NODES_PER_BYTE } from './xml/budget.js';

/** bundle-format.md "Default limits" (plus the XML work budget of xml/budget.ts). */
export const DEFAULT_LIMITS: Limits = {
  maxEntries: 10_000,
  maxEntrySize: 1024 ** 3,
  maxTotalSize: 4 * 1024 ** 3,
  maxRatio: 200,
  ratioThreshold: 1024 ** 2,
  maxTarMembers: 1_000,
  maxTarSize: 1024 ** 3,
  xmlNodesPerByte: XML_NODES_PER_BYTE,
  minXmlNodes: XML_NODES_FLOOR,
};

/** DEFAULT_LIMITS overridden by the caller's defined, non-negative values (USAGE for anything else). */
export function mergeLimits(custom: Partial<Limits> | undefined): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(custom ?? {}) as Array<[keyof Limits, number | undefined]>) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0)
      throw new CoreError('USAGE', `The limit ${key} must be a non-negative number (got ${value}).`, { limit: key, actual: value });
    limits[key] = value;
  }
  return limits;
}
