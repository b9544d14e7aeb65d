/**
 * Commands that take a bundle FILE (inspect, diff, push) may be given a copy inside the library
 * (`bundles/<sha256>.zip`); such a copy is hashed again before it is used (issue 8 §4).
 */
import { basename, resolve } from 'node:path';
import { byteProgress } from './io.js';

/**
 * A library copy (`bundles/<sha256>.zip`) is hashed again first, so that a damaged one is named as such
 * (LIBRARY_DAMAGED) rather than shown as verified or blamed on its content (issue 8 §4).
 */
export async function verifyIfLibraryCopy(file: string): Promise<void> {
  if (!/^[0-9a-f]{64}\.zip$/.test(basename(file))) return;
  // the library's store only (not its signing code): inspect stays quick to start
  const { Library, defaultHome } = await import('../library/store.js');
  const lib = new Library(defaultHome());
  const sha = await lib.storedShaOf(resolve(file));
  if (!sha) return;
  const entry = await lib.lookup(sha).catch(() => undefined);
  if (!entry) return;
  const progress = byteProgress(`${basename(file)} verifying`, entry.size);
  try {
    await lib.verify(entry, progress.onProgress);
  } finally {
    progress.stop();
  }
}

/**
 * The custody document the library keeps for a library copy (`bundles/<sha256>.zip` imported with a signed
 * transfer manifest), or null: `push` sends it before the bundle, so a node with trusted signers takes it.
 */
export async function libraryCustodyOf(file: string): Promise<import('../custody/document.js').CustodyDocument | null> {
  if (!/^[0-9a-f]{64}\.zip$/.test(basename(file))) return null;
  const { Library, defaultHome } = await import('../library/store.js');
  const lib = new Library(defaultHome());
  const sha = await lib.storedShaOf(resolve(file));
  if (!sha) return null;
  const entry = await lib.lookup(sha).catch(() => undefined);
  return entry ? lib.custodyDocument(entry) : null;
}
