/** The bundle core's shapes between modules: progress, options, an opened and a checked bundle (type-only). */
import type { ComponentContent, ComponentId, Inspection, Limits, ZipEntryInfo } from './types.js';
import type { ChunkSink } from './zip/inflate.js';

export type { ChunkSink };

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
