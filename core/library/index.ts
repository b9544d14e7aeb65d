/**
 * The workstation's bundle library (interfaces.md `library list|add|export|import`), used by the CLI and
 * the desktop app:
 *
 *   openLibrary(home?: string): Library-like object
 *     .home / .dir / .downloadsDir
 *     .list(): Promise<LibraryEntry[]>                                   newest first
 *     .get(sha256OrPrefix): Promise<LibraryEntry>                         NOT_FOUND if absent/ambiguous
 *     .add(file, source, {expectedSha256?, name?}): Promise<LibraryEntry> full bundle check first
 *     .export(sha256, dir, {key, passphrase?}): Promise<ExportResult>    bundle + manifest + SSHSIG
 *     .import(dir, {trustedKeys}): Promise<LibraryEntry>                 signature → hashes → check → add
 */
import { Library, defaultHome, type LibraryEntry, type BundleSource } from './store.js';
import { exportEntry, importExport, type ExportResult, type TransferManifest } from './transfer-manifest.js';

export { Library, defaultHome, type LibraryEntry, type BundleSource } from './store.js';
export { hashFile } from '../hash.js';
export { MANIFEST_SUFFIX, type ExportResult, type TransferManifest } from './transfer-manifest.js';
export { signSshsig, verifySshsig, loadPrivateKey, loadPublicKeys, keyFingerprint, SIG_NAMESPACE } from './sshsig.js';

/** A library with export/import bound to it. */
export class BundleLibrary extends Library {
  /** Exports one bundle with its signed transfer manifest into `dir`. */
  async export(sha: string, dir: string, opts: { key: string; passphrase?: string }): Promise<ExportResult> {
    const entry = await this.get(sha);
    return exportEntry(entry, dir, { file: opts.key, ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}) });
  }

  /** Imports what `export` wrote, verifying signature and hashes before anything enters. */
  async import(dir: string, opts: { trustedKeys: string[] }): Promise<LibraryEntry> {
    return importExport(this, dir, opts.trustedKeys);
  }
}

/** Opens the library under `home` (default `$POSTURE_STAGE_HOME` or the per-user data folder). */
export function openLibrary(home: string = defaultHome()): BundleLibrary {
  return new BundleLibrary(home);
}

export type { TransferManifest as Manifest, BundleSource as Source };
