/**
 * Receiving a bundle kept on a node for ISE (interfaces.md `GET /api/v1/staged/{sha256}`, and the SFTP read of
 * `<store>/staged/<sha256>.zip`): streamed into a new local file with its size capped and its SHA-256 computed
 * on the fly; a copy that is not the expected bytes is deleted and refused (REMOTE_CHECKSUM_MISMATCH).
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CoreError } from '../errors.js';
import { cancelled } from './events.js';
import type { DownloadRequest } from './transport.js';

/** Creates the local file a download goes to, before anything is asked of the node: never replaces a file. */
export async function openDestination(to: string): Promise<FileHandle> {
  try {
    return await open(to, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CoreError('USAGE', `${to} already exists; a download never replaces a file.`, { file: to });
    throw new CoreError('USAGE', `Cannot create ${to} (${(e as Error).message}).`, { file: to });
  }
}

/**
 * Writes `body` into `out` (the file `openDestination` created at `req.to`), checking size and SHA-256 against the
 * request; removes the file on any failure.
 */
export async function receiveVerified(
  body: Readable,
  req: DownloadRequest,
  node: string,
  out: FileHandle,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const started = Date.now();
  const meter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      size += chunk.length;
      if (size > req.size) {
        cb(
          new CoreError(
            'REMOTE_CHECKSUM_MISMATCH',
            `${node} sent more than the ${req.size} bytes of bundle ${req.sha256}; the copy was deleted.`,
            {
              node,
              sha256: req.sha256,
              expected: req.size,
            },
          ),
        );
        return;
      }
      hash.update(chunk);
      req.onProgress?.(size, req.size, size / Math.max((Date.now() - started) / 1000, 0.001));
      cb(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, out.createWriteStream(), ...(req.signal ? [{ signal: req.signal }] : []));
    const sha256 = hash.digest('hex');
    if (sha256 !== req.sha256 || size !== req.size)
      throw new CoreError(
        'REMOTE_CHECKSUM_MISMATCH',
        `The copy of bundle ${req.sha256} received from ${node} does not match (SHA-256 ${sha256}, ${size} of ${req.size} bytes); it was deleted. Try again; if it repeats, the node's copy is damaged: push the bundle to it again.`,
        { node, expected: { sha256: req.sha256, size: req.size }, actual: { sha256, size } },
      );
    const fh = await open(req.to, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { sha256, size };
  } catch (e) {
    await rm(req.to, { force: true });
    if (req.signal?.aborted) throw cancelled();
    if (e instanceof CoreError) throw e;
    throw new CoreError('TRANSFER_INTERRUPTED', `The download from ${node} was cut: ${(e as Error).message}. Try again.`, { node });
  }
}
