/**
 * Custody documents: how the signed transfer manifest that `library export --key` writes travels with a
 * bundle to a node that trusts only signed bundles (`agent signers`), the same way over both transports.
 *
 * One JSON document per bundle, named by the bundle's SHA-256 (lowercase hex):
 *   {"format":"posture-stage-custody/1","manifest":"<the .transfer.json text, byte for byte>","signature":"-----BEGIN SSH SIGNATURE-----…"}
 * `manifest` is the exact signed text (the SSHSIG covers its bytes), `signature` the armored `.transfer.json.sig`.
 *
 *   HTTPS: `PUT /api/v1/custody/<sha256>` (Content-Type: application/json, the document as body) before
 *          `PUT /api/v1/bundle` or `POST /api/v1/apply`; answers `{"ok":true,"sha256","signer":{"fingerprint","comment"}|null}`.
 *   SFTP:  upload the document to `<store>/inbox/<sha256>.custody.json` (under a temporary name, then
 *          rename, as the bundle) before running `agent apply`.
 * The node looks the document up by the SHA-256 of the bundle it is about to apply, verifies it (signature
 * by a trusted key; the manifest's bundle size and SHA-256 are the bundle's; not older than the newest
 * manifest it accepted) before it even parses the bundle, and removes it with the bundle once applied.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ParsedKey } from 'ssh2';
import { CoreError } from '../errors.js';
import { fileError, isPermissionError, permissionDenied } from '../file-errors.js';
import { findManifest, MANIFEST_SUFFIX } from './manifest-files.js';
import { verifySshsig } from './sshsig.js';

const CUSTODY_FORMAT = 'posture-stage-custody/1';

/** The custody document (a trust boundary on the node: parsed, bounded). */
const custodyDocumentSchema = z.strictObject({
  format: z.literal(CUSTODY_FORMAT),
  manifest: z
    .string()
    .min(2)
    .max(512 * 1024),
  signature: z
    .string()
    .min(1)
    .max(16 * 1024),
});
export type CustodyDocument = z.infer<typeof custodyDocumentSchema>;

const HEX64 = /^[0-9a-f]{64}$/;

/** The fields of a transfer manifest the node relies on (the rest is informational). */
const signedManifestSchema = z.looseObject({
  format: z.literal('posture-stage-transfer/1'),
  bundle: z.looseObject({
    file: z.string().max(255),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(HEX64),
  }),
  exportedAt: z.iso.datetime({ offset: true }),
});

/** File name of the document in a node store's inbox/ (the SFTP transport). */
export function custodyFileName(sha256: string): string {
  return `${sha256}.custody.json`;
}

/** Path of the API route that takes the document (the HTTPS transport). */
function custodyRoute(sha256: string): string {
  return `/api/v1/custody/${sha256}`;
}

/** What a pusher needs to send custody along with a bundle: one call, no transport code. */
export interface CustodyUpload {
  document: CustodyDocument;
  /** the bundle the manifest names */
  bundle: { file: string; size: number; sha256: string };
  /** `inbox/<fileName>` over SFTP */
  fileName: string;
  /** `PUT <route>` over HTTPS */
  route: string;
}

function parseManifest(text: string): z.infer<typeof signedManifestSchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const parsed = signedManifestSchema.safeParse(json);
  if (!parsed.success)
    throw new CoreError(
      'SIGNATURE_INVALID',
      'The transfer manifest is not one this version understands (posture-stage-transfer/1 with bundle size, SHA-256 and export time). Export the bundle again with `library export --key`.',
    );
  return parsed.data;
}

/**
 * The custody document for an export: `source` is the folder `library export` wrote, its `.transfer.json`
 * (signature beside it as `.transfer.json.sig`), or the manifest text and signature themselves.
 */
export async function custodyDocumentFor(source: string | { manifest: string | Uint8Array; signature: string }): Promise<CustodyUpload> {
  let manifest: string;
  let signature: string;
  if (typeof source === 'string') {
    const path = source.endsWith(MANIFEST_SUFFIX) ? source : await findManifest(source);
    manifest = await readFile(path, 'utf8').catch((e: unknown) => {
      throw fileError(
        e,
        path,
        'The transfer manifest',
        () => new CoreError('NOT_FOUND', `Cannot read the transfer manifest ${path}.`, { file: path }),
      );
    });
    signature = await readFile(`${path}.sig`, 'utf8').catch((e: unknown) => {
      if (isPermissionError(e)) throw permissionDenied(`${path}.sig`, 'The signature', 'read', e);
      throw new CoreError(
        'SIGNATURE_INVALID',
        `The signature ${path}.sig is missing; export the bundle again with \`library export --key\`.`,
        {
          manifest: path,
        },
      );
    });
  } else {
    manifest = typeof source.manifest === 'string' ? source.manifest : Buffer.from(source.manifest).toString('utf8');
    signature = source.signature;
  }
  const document = parseCustodyDocument({ format: CUSTODY_FORMAT, manifest, signature });
  const m = parseManifest(manifest);
  const bundle = { file: m.bundle.file, size: m.bundle.size, sha256: m.bundle.sha256 };
  return { document, bundle, fileName: custodyFileName(bundle.sha256), route: custodyRoute(bundle.sha256) };
}

/** Parses an untrusted custody document (a body or a file from the inbox); SIGNATURE_INVALID when it is not one. */
export function parseCustodyDocument(json: unknown): CustodyDocument {
  const parsed = custodyDocumentSchema.safeParse(json);
  if (!parsed.success)
    throw new CoreError(
      'SIGNATURE_INVALID',
      `The custody document is not one this version understands (${parsed.error.issues[0]?.message ?? 'invalid'}): send {"format":"${CUSTODY_FORMAT}","manifest":"<.transfer.json text>","signature":"<.transfer.json.sig text>"}.`,
    );
  return parsed.data;
}

/** The bundle a custody document's manifest names (unverified: for messages and early checks only). */
export function custodyBundle(doc: CustodyDocument): { file: string; size: number; sha256: string } {
  const m = parseManifest(doc.manifest);
  return { file: m.bundle.file, size: m.bundle.size, sha256: m.bundle.sha256 };
}

/** What a verified custody document proves. */
export interface VerifiedCustody {
  /** "SHA256:…" of the key that signed */
  fingerprint: string;
  /** the manifest's signed export time (ISO): what replay protection compares */
  signedAt: string;
  bundle: { file: string; size: number; sha256: string };
}

/**
 * Verifies a custody document for a bundle: SSHSIG by one of `trusted`, then the manifest names exactly
 * this bundle (SHA-256, and size when known). Throws SIGNATURE_INVALID saying which check failed.
 */
export function verifyCustody(doc: CustodyDocument, trusted: ParsedKey[], bundle: { sha256: string; size?: number }): VerifiedCustody {
  const fingerprint = verifySshsig(Buffer.from(doc.manifest, 'utf8'), doc.signature, trusted);
  const m = parseManifest(doc.manifest);
  if (m.bundle.sha256 !== bundle.sha256 || (bundle.size !== undefined && m.bundle.size !== bundle.size))
    throw new CoreError(
      'SIGNATURE_INVALID',
      `The signed transfer manifest is for another bundle (SHA-256 ${m.bundle.sha256}, ${m.bundle.size} bytes), not this one (SHA-256 ${bundle.sha256}${bundle.size !== undefined ? `, ${bundle.size} bytes` : ''}). Send the manifest that \`library export\` wrote for this bundle.`,
      { expected: { sha256: bundle.sha256, size: bundle.size ?? null }, manifest: { sha256: m.bundle.sha256, size: m.bundle.size } },
    );
  return { fingerprint, signedAt: m.exportedAt, bundle: { file: m.bundle.file, size: m.bundle.size, sha256: m.bundle.sha256 } };
}
