/** The bundle core's shapes between modules: progress, options, an opened and a checked bundle (type-only). */
import type { ComponentContent, ComponentId, Inspection, Limits, ZipEntryInfo } from './types.js';
import type { ChunkSink, Inflated } from './zip/inflate.js';

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

/** What is known of a bundle file once opened: name, size, SHA-256 and entries (no bytes, no open handle). */
interface BundleInfo {
  fileName: string;
  size: number;
  sha256: string;
  /** central-directory order; sizes as declared until read */
  entries: ZipEntryInfo[];
}

/**
 * A zip whose container passed every structural check; entries inflate on demand, under the limits,
 * through positioned reads of the file. Holds the file open until close() (a path given to readBundle
 * is closed there; a handle the caller passed stays the caller's).
 */
export interface OpenedBundle extends BundleInfo {
  /** Inflates one entry, enforcing limits while inflating and verifying CRC-32 and size. */
  read(name: string): Promise<Uint8Array>;
  /**
   * Inflates one entry into `sink` chunk by chunk (never holding it whole), under the same limits and
   * checks as read(); resolves with its size and SHA-256 once CRC-32 and size are verified. A large
   * bundle's entries inflate (and are hashed) on a worker thread. Entries inflate one after the other,
   * unless `alongside` names an entry still being inflated (or waiting to be): then this one starts at
   * once, beside it, under the limits it would have in turn (the entry beside it counted at its declared size).
   */
  stream(name: string, sink: ChunkSink, alongside?: string): Promise<Inflated>;
  /** Waits for the reads already asked for, then closes the file (and stops a hash still running). Idempotent. */
  close(): Promise<void>;
}

/** A bundle that passed every check of the spec, with its inspection and per-component content (results only: no bytes, no open file). */
export interface CheckedBundle {
  bundle: BundleInfo;
  inspection: Inspection;
  /** empty for the unknown layout, and with CheckOptions.contents false */
  contents: Map<ComponentId, ComponentContent>;
}

export interface CheckOptions extends ReadOptions {
  /** refuse the unknown layout with MANIFEST_MISSING (push and agent apply do) */
  requireReference?: boolean;
  /**
   * an existing, empty directory: each payload is written there as it is checked, to a file named by its
   * component id (payload-files.ts; the agent's apply renames them into the new state)
   */
  payloadDir?: string;
  /**
   * false: keep the inspection only (inspect), not each component's diffable content (every product,
   * condition name and OS path), so memory stays flat however large the payloads are; `contents` is then empty
   */
  contents?: boolean;
}
