/**
 * Payloads written out as they are checked (issue 11 "Apply"): with CheckOptions.payloadDir, each payload
 * of the reference layout goes, chunk by chunk, to `<payloadDir>/<component id>` while it is hashed and
 * parsed — the very chunks whose SHA-256 the check compares with the manifest. The agent's apply then
 * renames the files it applies into the new state (and fsyncs each once) instead of inflating and hashing
 * the bundle a second time. Nothing here is fsynced: a file only counts once the apply has synced it.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentId } from './types.js';

/** Where a checked payload's file is. */
export const payloadFilePath = (dir: string, id: ComponentId): string => join(dir, id);

/** Writes may run this far behind the check before it waits for the disk. */
const WRITE_BEHIND = 8 * 1024 * 1024;

/** One payload's file, written behind the check. */
export interface PayloadFile {
  write(chunk: Uint8Array): void | Promise<void>;
  /** waits for every write and closes the file */
  end(): Promise<void>;
}

/** Creates `<dir>/<id>` (it must not exist) for the payload about to stream. */
export async function createPayloadFile(dir: string, id: ComponentId): Promise<PayloadFile> {
  const fh = await open(payloadFilePath(dir, id), 'wx', 0o644);
  let at = 0;
  let waiting = 0;
  let failed: unknown = null;
  const pending = new Set<Promise<void>>();
  let closed: Promise<void> | null = null;
  return {
    write(chunk) {
      if (failed !== null) throw failed;
      // chunks are never reused once handed to a sink, so they are written as they are
      const write = fh.write(chunk, 0, chunk.length, at).then(
        () => {
          waiting -= chunk.length;
          pending.delete(write);
        },
        (e: unknown) => {
          failed ??= e;
          pending.delete(write);
        },
      );
      at += chunk.length;
      waiting += chunk.length;
      pending.add(write);
      if (waiting <= WRITE_BEHIND) return;
      return (async () => {
        while (waiting > WRITE_BEHIND && pending.size > 0) await Promise.race(pending);
        if (failed !== null) throw failed;
      })();
    },
    end() {
      closed ??= (async () => {
        try {
          await Promise.all(pending);
          if (failed !== null) throw failed;
        } finally {
          await Promise.allSettled(pending);
          await fh.close();
        }
      })();
      return closed;
    },
  };
}
