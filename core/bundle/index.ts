/**
 * The bundle core's public API: read · check · inspect · diff · write.
 * Spec: ../shared/spec/bundle-format.md. Pure functions over bytes; no sockets, no electron, no DOM.
 * (Signatures fixed for the other modules; implementations live in the files beside this one.)
 */
import type {
  ComponentContent,
  ComponentId,
  Inspection,
  Limits,
  NodeContentState,
  BundleDiff,
  SampleOptions,
  ZipEntryInfo,
} from './types.js';
import { manifestMissing } from './check.js';
import type { ChunkSink } from './zip/inflate.js';
import { XML_NODES_FLOOR, XML_NODES_PER_BYTE } from './xml/budget.js';

export type { ChunkSink };

export * from './types.js';

/** bundle-format.md "Default limits". */
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

export interface Progress {
  phase: 'read' | 'hash' | 'inflate' | 'parse';
  done: number;
  total: number;
}

export interface ReadOptions {
  limits?: Partial<Limits>;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** file name shown in inspect output (defaults to the path's basename, or "bundle.zip") */
  fileName?: string;
}

/** A zip whose container passed every structural check; entries inflate on demand, under the limits. */
export interface OpenedBundle {
  fileName: string;
  size: number;
  sha256: string;
  /** central-directory order; sizes as declared until read */
  entries: ZipEntryInfo[];
  /** Inflates one entry, enforcing limits while inflating and verifying CRC-32 and size. */
  read(name: string): Promise<Uint8Array>;
  /**
   * Inflates one entry into `sink` chunk by chunk (never holding it whole), under the same limits and
   * checks as read(); resolves with its size once CRC-32 and size are verified.
   */
  stream(name: string, sink: ChunkSink): Promise<number>;
}

/** A bundle that passed every check of the spec, with its inspection and per-component content. */
export interface CheckedBundle {
  bundle: OpenedBundle;
  inspection: Inspection;
  /** empty for the unknown layout */
  contents: Map<ComponentId, ComponentContent>;
}

export interface CheckOptions extends ReadOptions {
  /** refuse the unknown layout with MANIFEST_MISSING (push and agent apply do) */
  requireReference?: boolean;
}

export { readBundle } from './read.js';
export { checkBundle, inspectBundle } from './check.js';
export { checkIsolated, checkBudgetMs, type IsolatedOptions } from './isolated.js';
export { diffBundles, diffAgainstState, compareVersions } from './diff.js';
export { writeBundle } from './write.js';
export { staleWarnings } from './stale.js';

/** Throws MANIFEST_MISSING for the unknown layout (bundle-format.md: push and agent apply refuse it). */
export function requireReferenceLayout(checked: CheckedBundle): void {
  if (checked.inspection.layout !== 'reference') {
    throw manifestMissing(checked.inspection.file);
  }
}

export type { NodeContentState, BundleDiff, SampleOptions };
