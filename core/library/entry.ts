/**
 * What the library keeps next to each bundle (`bundles/<sha256>.json`): the record's type and the schema it is
 * read through. Its own module, so the store and the integrity check both build on it without needing each other.
 */
import { z } from 'zod';
import type { Inspection } from '../bundle/index.js';
import { versionsSchema } from '../bundle/schemas.js';

/** Where a bundle came from (interfaces.md: source URL, TLS fingerprint seen at download). */
export interface BundleSource {
  kind: 'url' | 'file' | 'import';
  url?: string;
  path?: string;
  tlsFingerprint?: string;
  fetchedAt?: string;
  /** for imports: who signed the transfer manifest */
  signer?: string;
}

/** What the library keeps next to each bundle. */
export interface LibraryEntry {
  sha256: string;
  size: number;
  /** the file name it had (e.g. posture-offline.zip) */
  name: string;
  /** absolute path of the stored bundle */
  path: string;
  addedAt: string;
  source: BundleSource;
  inspection: {
    layout: Inspection['layout'];
    updated: string | null;
    versions: Inspection['versions'];
    warnings: string[];
    checksPassed: string[];
  };
  /**
   * The bundle's custody: the signed transfer manifest it was imported with (`bundles/<sha256>.custody.json`, a
   * custody document), which `push` sends to nodes with trusted signers before the bundle
   */
  custody?: { file: string; signer: string; signedAt: string };
  /** set by `list({ verify: true })`: whether the copy still has its SHA-256 */
  verified?: boolean;
  /** with `verified: false`: the SHA-256 the copy has now (or "missing") */
  actualSha256?: string;
}

const text = z.string();
/** `bundles/<sha256>.json` as `add` writes it (`verified`/`actualSha256` are never stored; `path` is set on reading). */
export const entrySchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex'),
  size: z.number().int().nonnegative(),
  name: text,
  addedAt: text,
  source: z.object({
    kind: z.enum(['url', 'file', 'import']),
    url: text.optional(),
    path: text.optional(),
    tlsFingerprint: text.optional(),
    fetchedAt: text.optional(),
    signer: text.optional(),
  }),
  inspection: z.object({
    layout: z.enum(['reference', 'unknown']),
    updated: text.nullable(),
    versions: versionsSchema.nullable(),
    warnings: z.array(text),
    checksPassed: z.array(text),
  }),
  custody: z.object({ file: text, signer: text, signedAt: text }).optional(),
}) satisfies z.ZodType<Omit<LibraryEntry, 'path'>>;
