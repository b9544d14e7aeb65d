/**
 * Durable writes: what survives a crash or power loss is either the old file or the new one, whole.
 * Used by the node store's atomic apply (interfaces.md "Apply semantics") and by the workstation library.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** fsync a directory so a rename inside it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a file and fsyncs it (not yet visible under a final name). */
export async function writeFileSynced(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const fh = await open(file, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `file` atomically: hidden temp file beside it, fsync, rename, fsync the directory. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFileSynced(tmp, data, mode);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dirname(file));
}
