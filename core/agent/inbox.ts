/**
 * The store's inbox/: SFTP arrivals and HTTPS uploads. Uploads are streamed to disk with a size cap
 * and SHA-256 computed on the fly (interfaces.md `PUT /api/v1/bundle`: never wholly in memory); a
 * mismatch with the sender's X-Content-SHA256 removes the file.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { CoreError } from '../errors.js';
import { isPermissionError, permissionDenied } from '../file-errors.js';
import type { InboxVerification } from './types.js';
import { newId, storePaths, UPLOAD_PREFIX } from './paths.js';

export { UPLOAD_PREFIX };
import { readAgentInfo } from './agent-info.js';
import { hashFile } from '../hash.js';

const NAME = /^(?!\.\.?$)[A-Za-z0-9._+-][A-Za-z0-9._+ -]{0,254}$/;

/** Default upload cap: the bundle-format total limit is 4 GiB uncompressed; a zip is smaller. */
export const DEFAULT_MAX_UPLOAD = 2 * 1024 ** 3;

/** The path of `name` inside inbox/, refusing anything that is not a plain file name. */
export function inboxPath(store: string, name: string): string {
  if (!NAME.test(name))
    throw new CoreError('USAGE', `"${name}" is not a plain file name in the store's inbox (no slashes, no "..").`, { file: name });
  return join(storePaths(resolve(store)).inbox, name);
}

/**
 * The name of an upload by `PUT /api/v1/inbox/:name`: a plain name that is not hidden (the agent's own
 * temporary files start with "." — `.agent-upload-…`, `.*.tmp-…` — and an upload must never replace one
 * of them) and not a custody document (those come through `PUT /api/v1/custody/:sha256`, which checks them).
 */
export function uploadName(name: string): string {
  if (name.startsWith('.') || name.endsWith('.custody.json'))
    throw new CoreError(
      'USAGE',
      `"${name}" cannot be uploaded: names starting with "." are the agent's own temporary files, and custody documents go to PUT /api/v1/custody/{sha256}. Use a plain name such as posture-offline.zip.`,
      { file: name },
    );
  return name;
}

/** `agent verify`: size and SHA-256 of a file in inbox/, so the SFTP pusher need not download it again. */
export async function verifyInboxFile(store: string, name: string): Promise<InboxVerification> {
  await readAgentInfo(resolve(store));
  const file = inboxPath(store, name);
  const st = await stat(file).catch((e: unknown) => {
    if (isPermissionError(e)) throw permissionDenied(file, 'The inbox file', 'read', e);
    return null;
  });
  if (!st?.isFile()) throw new CoreError('NOT_FOUND', `No file ${name} in the store's inbox. Upload it first.`, { file: name });
  return { file: name, size: st.size, sha256: (await hashFile(file)).sha256 };
}

/**
 * `agent verify --follow`: the same answer as verifyInboxFile, for a file still being written by SFTP.
 * Each number `written` yields says the file's bytes up to it are final (the pusher's acknowledged,
 * contiguous writes): they are hashed as they arrive, so once the upload ends only its last window is
 * left to hash (issue 11 "Push"). When `written` ends, the rest of the file is hashed and the answer given.
 */
export async function followInboxFile(store: string, name: string, written: AsyncIterable<number>): Promise<InboxVerification> {
  await readAgentInfo(resolve(store));
  const file = inboxPath(store, name);
  const fh = await open(file, 'r').catch(() => {
    throw new CoreError('NOT_FOUND', `No file ${name} in the store's inbox. Upload it first.`, { file: name });
  });
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let hashed = 0;
    const hashTo = async (end: number): Promise<void> => {
      while (hashed < end) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - hashed), hashed);
        if (bytesRead === 0) return;
        hash.update(buf.subarray(0, bytesRead));
        hashed += bytesRead;
      }
    };
    for await (const end of written) await hashTo(end);
    const size = (await fh.stat()).size;
    await hashTo(size);
    return { file: name, size, sha256: hashed === size ? hash.digest('hex') : '' };
  } finally {
    await fh.close();
  }
}

export interface ReceiveOptions {
  maxBytes?: number;
  /** the sender's X-Content-SHA256 (lowercase hex) */
  expectedSha256: string;
  /** final name in inbox/; default `<sha256>.zip` */
  name?: string;
}

/** Bytes gathered from the body before one write: a 16 KB TLS record per write would cost a thread-pool round trip each. */
const WRITE_BATCH = 1024 * 1024;

/** Writes `chunks` at `position` (libuv writes a regular file's vector whole, or fails). */
async function writeAt(fh: FileHandle, chunks: Buffer[], position: number, bytes: number): Promise<void> {
  const { bytesWritten } = await fh.writev(chunks, position);
  if (bytesWritten !== bytes) throw new Error(`wrote ${bytesWritten} of ${bytes} bytes at ${position}`);
}

/**
 * Streams `body` into inbox/ under a temp name, checking size and hash, then renames it into place. Chunks are
 * hashed as they arrive and written a batch at a time (one writev of about WRITE_BATCH bytes while the next
 * batch gathers), so a 104 MB upload takes ~100 writes instead of ~6,700 (one per TLS record).
 */
export async function receiveUpload(store: string, body: Readable, opts: ReceiveOptions): Promise<InboxVerification & { path: string }> {
  const max = opts.maxBytes ?? DEFAULT_MAX_UPLOAD;
  const tmp = join(storePaths(store).inbox, `${UPLOAD_PREFIX}${newId()}`);
  const hash = createHash('sha256');
  let size = 0;
  try {
    const fh = await open(tmp, 'wx', 0o644);
    // one write in flight while the next batch gathers; its failure is taken when it is awaited
    let writing: Promise<void> = Promise.resolve();
    try {
      let batch: Buffer[] = [];
      let gathered = 0;
      let written = 0;
      const flush = async (): Promise<void> => {
        await writing;
        if (gathered === 0) return;
        writing = writeAt(fh, batch, written, gathered);
        writing.catch(() => undefined);
        written += gathered;
        batch = [];
        gathered = 0;
      };
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max)
          throw new CoreError(
            'TOO_LARGE',
            `The upload is larger than this node accepts (${max} bytes). Check that you are sending posture-offline.zip.`,
            { maxBytes: max },
          );
        hash.update(chunk);
        batch.push(chunk);
        gathered += chunk.length;
        if (gathered >= WRITE_BATCH) await flush();
      }
      await flush();
      await writing;
    } finally {
      await writing.catch(() => undefined);
      await fh.close();
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== opts.expectedSha256.toLowerCase()) {
      throw new CoreError(
        'REMOTE_CHECKSUM_MISMATCH',
        'The bundle received by the node does not match the SHA-256 the sender announced (X-Content-SHA256); it was discarded. Send it again; if this repeats, check the network path for a proxy that alters uploads.',
        { expected: opts.expectedSha256.toLowerCase(), received: sha256, size },
      );
    }
    const name = opts.name ?? `${sha256}.zip`;
    const path = inboxPath(store, name);
    await rename(tmp, path);
    return { file: name, size, sha256, path };
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof CoreError) throw e;
    throw new CoreError(
      'TRANSFER_INTERRUPTED',
      `The upload stopped before it was complete (${(e as Error).message}); nothing was kept. Send it again.`,
      { received: size },
    );
  }
}
