/**
 * The body of an HTTPS upload: the file read in 1 MiB pieces into two buffers used in turn, the next piece
 * read while the connection sends this one. A stream of fresh buffers cost the client twice curl's CPU for
 * the same upload (a new 1 MiB allocation per piece: page faults, then the collector freeing them), and on a
 * busy 2-CPU node that CPU is taken from the agent receiving the upload (issue 11 "HTTPS upload ≥ curl").
 *
 * A buffer is filled again only once the connection took it: before each piece, every socket of the
 * connection has an empty write queue (TLS encrypted the cleartext into its own output at the write). The
 * same point counts progress, so it is what the connection took, not what was read from disk.
 */
import { open } from 'node:fs/promises';

const PIECE = 1024 * 1024;

/** What the body needs of a socket: its write queue, and the events that empty or end it. */
export interface WriteQueue {
  readonly writableLength: number;
  readonly destroyed: boolean;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

export interface UploadBodyOptions {
  file: string;
  /** the bytes announced in Content-Length: the file must hold exactly these */
  size: number;
  /** the connection's sockets, whose write queues say when a buffer was taken */
  sockets: ReadonlySet<WriteQueue>;
  /** after each piece the connection took: its bytes so far (the last call has `done === size`) */
  onTaken?: (done: number) => void;
  signal?: AbortSignal;
}

/** Resolves at the socket's next drain or close, or at the cancel. */
function drainOrClose(socket: WriteQueue, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
    signal?.addEventListener('abort', done);
  });
}

/** Waits until no socket of the connection still holds written bytes (a closed one holds none we reuse). */
async function taken(sockets: ReadonlySet<WriteQueue>, signal?: AbortSignal): Promise<void> {
  for (const socket of sockets) {
    while (socket.writableLength > 0 && !socket.destroyed && !signal?.aborted) await drainOrClose(socket, signal);
  }
  if (signal?.aborted) throw new Error('the upload was cancelled');
}

/** The file's bytes as an async iterable of pieces (each valid until the next is asked for). */
export async function* uploadBody(o: UploadBodyOptions): AsyncGenerator<Buffer> {
  const fh = await open(o.file, 'r');
  try {
    const actual = (await fh.stat()).size;
    if (actual !== o.size) throw new Error(`${o.file} is now ${actual} bytes, not the ${o.size} that were checked; check it again`);
    const buffers = [Buffer.allocUnsafe(Math.min(PIECE, o.size)), Buffer.allocUnsafe(Math.min(PIECE, o.size))];
    let done = 0;
    let turn = 0;
    // a read still running when the request fails is awaited by close(); its own failure then means nothing
    const read = (into: Buffer, at: number) => {
      const r = fh.read(into, 0, Math.min(into.length, o.size - at), at);
      r.catch(() => undefined);
      return r;
    };
    let next = o.size > 0 ? read(buffers[0]!, 0) : null;
    while (next) {
      await taken(o.sockets, o.signal);
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) throw new Error(`${o.file} ended at ${done} bytes, before the ${o.size} that were checked; check it again`);
      if (done > 0) o.onTaken?.(done);
      const at = done + bytesRead;
      turn ^= 1;
      next = at < o.size ? read(buffers[turn]!, at) : null;
      yield buffer.subarray(0, bytesRead);
      done = at;
    }
    await taken(o.sockets, o.signal);
    o.onTaken?.(done);
  } finally {
    await fh.close();
  }
}
