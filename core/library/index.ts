/**
 * The workstation's bundle library (interfaces.md `library list|add|export|import|remove`), used by the CLI
 * and the desktop app. Every use of a stored bundle hashes its copy again first (integrity.ts):
 *
 *   openLibrary(home?: string): BundleLibrary
 *     .home / .dir / .downloadsDir
 *     .list({verify?, onProgress?}): Promise<LibraryEntry[]>              newest first; verify marks `verified`
 *     .get(sha256OrPrefix, {verify = true, onProgress?})                  re-hashed: LIBRARY_DAMAGED, NOT_FOUND
 *     .lookup(sha256OrPrefix): Promise<LibraryEntry>                      the record only (no bundle bytes read)
 *     .verify(entry, onProgress?) · .storedShaOf(path)                    re-hash one entry · is this a library copy?
 *     .add(file, source, {expectedSha256?, name?}): Promise<LibraryEntry> full bundle check first
 *     .remove(sha256OrPrefix): Promise<LibraryEntry>                      bundle and metadata
 *     .export(sha256, dir, {key, passphrase?, onProgress?})               bundle (copied while hashed) + manifest + SSHSIG
 *     .import(dir, {trustedKeys, allowReplay?})                           signature → replay → hashes → check → add
 */
import { Library, defaultHome } from './store.js';
import type { LibraryEntry } from './entry.js';
import { exportEntry, importExport, type ExportResult } from './transfer-manifest.js';
import type { HashProgress } from './integrity.js';

export type { LibraryEntry } from './entry.js';
export { hashFile } from '../hash.js';
export { libraryDamaged, copyVerified, type HashProgress } from './integrity.js';
export type { ExportResult } from './transfer-manifest.js';

/** A library with export/import bound to it. */
export class BundleLibrary extends Library {
  /** Exports one bundle with its signed transfer manifest into `dir`. */
  async export(sha: string, dir: string, opts: { key: string; passphrase?: string; onProgress?: HashProgress }): Promise<ExportResult> {
    // no separate re-hash: the export hashes the bytes as it copies them
    const entry = await this.lookup(sha);
    return exportEntry(
      entry,
      dir,
      { file: opts.key, ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}) },
      opts.onProgress,
    );
  }

  /** Imports what `export` wrote, verifying signature, replay (REPLAYED_MANIFEST) and hashes before anything enters. */
  async import(dir: string, opts: { trustedKeys: string[]; allowReplay?: boolean; signal?: AbortSignal }): Promise<LibraryEntry> {
    return importExport(this, dir, opts.trustedKeys, {
      allowReplay: opts.allowReplay === true,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }
}

/** Opens the library under `home` (default `$POSTURE_STAGE_HOME` or the per-user data folder). */
export function openLibrary(home: string = defaultHome()): BundleLibrary {
  return new BundleLibrary(home);
}
