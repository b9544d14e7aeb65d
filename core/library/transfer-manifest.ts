/**
 * Crossing zones on removable media (interfaces.md "library export/import"): `export` writes the bundle,
 * a transfer manifest (hashes, sizes, source URL, TLS fingerprint seen at download, times, checks passed,
 * tool version) and an SSHSIG detached signature of the manifest made with the admin's Ed25519 key.
 * `import` verifies signature, refuses a replay (replay.ts), then size and SHA-256, then the bundle check,
 * before anything enters.
 * A third party verifies with: `ssh-keygen -Y verify -f allowed_signers -I <id> -n posture-stage -s M.sig < M`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CoreError, toCoreError } from '../errors.js';
import { fileError, isPermissionError, permissionDenied } from '../file-errors.js';
import { recordAccepted, refuseReplay } from './replay.js';
import { VERSION } from '../version.js';
import type { Library } from './store.js';
import type { LibraryEntry } from './entry.js';
import { writeFileAtomic } from '../durable.js';
import { hashFile } from '../hash.js';
import { copyVerified, type HashProgress } from './integrity.js';
import { keyFingerprint, loadPrivateKey, loadPublicKeys, signSshsig, verifySshsig } from '../custody/sshsig.js';
import { findManifest, MANIFEST_SUFFIX } from '../custody/manifest-files.js';
import { custodyDocumentFor } from '../custody/document.js';

interface TransferManifest {
  format: 'posture-stage-transfer/1';
  tool: { name: 'posture-stage'; version: string };
  bundle: { file: string; size: number; sha256: string };
  source: LibraryEntry['source'];
  addedAt: string;
  exportedAt: string;
  inspection: LibraryEntry['inspection'];
  signer: { keyType: 'ssh-ed25519'; fingerprint: string };
}

export interface ExportResult {
  dir: string;
  bundle: string;
  manifest: string;
  signature: string;
  signer: string;
}

/** Writes bundle + manifest + signature into `dir` (each atomically). */
export async function exportEntry(
  entry: LibraryEntry,
  dir: string,
  key: { file: string; passphrase?: string },
  onProgress?: HashProgress,
): Promise<ExportResult> {
  let keyText: string;
  try {
    keyText = await readFile(key.file, 'utf8');
  } catch (e) {
    throw fileError(
      e,
      key.file,
      'The signing key',
      () => new CoreError('NOT_FOUND', `Cannot read the signing key ${key.file}.`, { file: key.file }),
    );
  }
  const priv = loadPrivateKey(keyText, key.passphrase);
  await mkdir(dir, { recursive: true });
  const file = `posture-offline-${entry.sha256.slice(0, 12)}.zip`;
  const manifest: TransferManifest = {
    format: 'posture-stage-transfer/1',
    tool: { name: 'posture-stage', version: VERSION },
    bundle: { file, size: entry.size, sha256: entry.sha256 },
    source: entry.source,
    addedAt: entry.addedAt,
    exportedAt: new Date().toISOString(),
    inspection: entry.inspection,
    signer: { keyType: 'ssh-ed25519', fingerprint: keyFingerprint(priv.getPublicSSH()) },
  };
  const bundlePath = join(dir, file);
  // the bytes written are the bytes hashed: a damaged library copy never reaches the media
  await copyVerified(entry, bundlePath, onProgress);
  const text = JSON.stringify(manifest, null, 2) + '\n';
  const mPath = bundlePath.replace(/\.zip$/, '') + MANIFEST_SUFFIX;
  await writeFileAtomic(mPath, text);
  await writeFileAtomic(mPath + '.sig', signSshsig(Buffer.from(text), priv));
  return { dir, bundle: bundlePath, manifest: mPath, signature: mPath + '.sig', signer: manifest.signer.fingerprint };
}

const isoTime = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a time');

/** What import reads from a signed manifest (only after its signature verified); other fields are ignored. */
const SignedManifest = z.object({
  format: z.literal('posture-stage-transfer/1'),
  bundle: z.object({
    file: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\\/]+$/)
      .refine((f) => f !== '.' && f !== '..', 'not a file name'),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  source: z.object({
    kind: z.enum(['url', 'file', 'import']),
    url: z.string().max(4096).optional(),
    path: z.string().max(4096).optional(),
    tlsFingerprint: z.string().max(200).optional(),
    fetchedAt: z.string().max(64).optional(),
    signer: z.string().max(200).optional(),
  }),
  exportedAt: isoTime,
});

/**
 * Verifies signature (against the trusted public keys), refuses a replayed manifest (older than the newest
 * accepted from its signer, unless `allowReplay`), then size and SHA-256, then adds to `library`.
 */
export async function importExport(
  library: Library,
  dir: string,
  trustedKeyFiles: string[],
  opts: { allowReplay?: boolean; signal?: AbortSignal } = {},
): Promise<LibraryEntry> {
  if (trustedKeyFiles.length === 0)
    throw new CoreError(
      'USAGE',
      "Give --trusted-key FILE (the exporting admin's Ed25519 public key or an allowed_signers file); imports are never taken unsigned.",
    );
  const trusted = [];
  for (const f of trustedKeyFiles) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw fileError(e, f, 'The trusted key', () => new CoreError('NOT_FOUND', `Cannot read the trusted key ${f}.`, { file: f }));
    }
    trusted.push(...loadPublicKeys(text));
  }
  if (trusted.length === 0) throw new CoreError('USAGE', 'The trusted key file(s) hold no ssh-ed25519 public key.');
  const manifestPath = await findManifest(dir);
  const text = await readFile(manifestPath).catch((e: unknown) => {
    throw fileError(e, manifestPath, 'The transfer manifest', () => toCoreError(e));
  });
  let sig: string;
  try {
    sig = await readFile(manifestPath + '.sig', 'utf8');
  } catch (e) {
    if (isPermissionError(e)) throw permissionDenied(`${manifestPath}.sig`, 'The signature', 'read', e);
    throw new CoreError('SIGNATURE_INVALID', `The signature ${manifestPath}.sig is missing. Do not import this bundle; export it again.`, {
      manifest: manifestPath,
    });
  }
  const signer = verifySshsig(text, sig, trusted);
  let manifest: z.infer<typeof SignedManifest>;
  try {
    manifest = SignedManifest.parse(JSON.parse(text.toString('utf8')));
  } catch {
    throw new CoreError('SIGNATURE_INVALID', 'The transfer manifest is signed but not one this version understands.', {
      manifest: manifestPath,
    });
  }
  const accepted = { signer, exportedAt: manifest.exportedAt, sha256: manifest.bundle.sha256 };
  await refuseReplay(library.home, accepted, opts.allowReplay === true);
  const bundlePath = join(manifestPath, '..', manifest.bundle.file);
  let actual: { sha256: string; size: number };
  try {
    actual = await hashFile(bundlePath);
  } catch (e) {
    throw fileError(
      e,
      bundlePath,
      'The bundle',
      () =>
        new CoreError('NOT_FOUND', `The bundle ${manifest.bundle.file} named by the manifest is missing beside it.`, {
          file: bundlePath,
        }),
    );
  }
  if (actual.size !== manifest.bundle.size || actual.sha256 !== manifest.bundle.sha256) {
    throw new CoreError(
      'CHECKSUM_MISMATCH',
      `${manifest.bundle.file} does not match its signed manifest (size ${actual.size} vs ${manifest.bundle.size}, SHA-256 ${actual.sha256} vs ${manifest.bundle.sha256}). The copy is damaged or was changed; nothing was imported.`,
      { file: bundlePath, expected: manifest.bundle, actual },
    );
  }
  const entry = await library.add(
    bundlePath,
    {
      ...manifest.source,
      kind: 'import',
      path: bundlePath,
      signer,
      ...(manifest.source.kind === 'url' && manifest.source.url ? { url: manifest.source.url } : {}),
    },
    {
      expectedSha256: manifest.bundle.sha256,
      name: 'posture-offline.zip',
      ...(opts.signal ? { signal: opts.signal } : {}),
      // kept with the entry: push sends it on to nodes that take only signed bundles
      custody: {
        document: (await custodyDocumentFor({ manifest: text, signature: sig })).document,
        signer,
        signedAt: manifest.exportedAt,
      },
    },
  );
  await recordAccepted(library.home, accepted);
  return entry;
}
