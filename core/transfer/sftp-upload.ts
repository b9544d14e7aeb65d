/**
 * SFTP upload into a node's inbox (interfaces.md `push … --to sftp://user@host[:22]/store-path`): write
 * `inbox/.<name>.part` with many requests in flight (like OpenSSH's sftp), resuming from the remote part's
 * size after a cut connection. The raw SFTP channel is used here only: the session's other calls go
 * through ssh2-sftp-client (ssh-session.ts).
 */
import { open as openLocal } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';
import { sftpCall, type SshSession } from './ssh-session.js';

const CHUNK = 64 * 1024;
const IN_FLIGHT = 32;
/** The local file is read this much at a time (a read of 64 KiB costs about as much as one of 1 MiB). */
const READ_WINDOW = 16 * CHUNK;
const FINAL_STEP = 4 * 1024 * 1024;

/** What the caller hears of an upload besides its progress. */
export interface UploadHooks {
  /** the remote file is open (created): a reader of it may start */
  onOpen?: () => void;
  /** the remote file's bytes before `end` are written and acknowledged (contiguous from its start) */
  onFinal?: (end: number) => void;
}

/** Pipelined writes of `local` from `offset` to `remote`; fails as soon as the connection is lost. */
export async function uploadFrom(
  session: Pick<SshSession, 'sftp' | 'lost' | 'socket'>,
  local: string,
  remote: string,
  offset: number,
  size: number,
  onBytes: (done: number) => void,
  hooks: UploadHooks = {},
): Promise<void> {
  const raw: SFTPWrapper = session.sftp;
  const lost = session.lost;
  const handle = await sftpCall<Buffer>(session, (cb) => raw.open(remote, offset > 0 ? 'r+' : 'w', { mode: 0o600 }, cb));
  hooks.onOpen?.();
  hooks.onFinal?.(offset);
  const file = await openLocal(local, 'r');
  // chunks are cut from READ_WINDOW reads (CHUNK divides it and every chunk starts on a CHUNK boundary, so
  // none spans two); the next window is read as soon as the first chunk of this one goes out
  const windows = new Map<number, Promise<Buffer>>();
  const windowAt = (index: number): Promise<Buffer> => {
    let w = windows.get(index);
    if (w === undefined) {
      const start = index * READ_WINDOW;
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(READ_WINDOW, size - start)));
      w = file.read(buf, 0, buf.length, start).then(({ bytesRead }) => buf.subarray(0, bytesRead));
      w.catch(() => undefined);
      windows.set(index, w);
    }
    return w;
  };
  const chunkAt = (at: number, len: number): Promise<Buffer> => {
    const index = Math.floor(at / READ_WINDOW);
    const from = at - index * READ_WINDOW;
    const w = windowAt(index);
    if (from === 0 && (index + 1) * READ_WINDOW < size) windowAt(index + 1);
    // the window's last chunk: no later chunk needs it
    if (at + len >= Math.min((index + 1) * READ_WINDOW, size)) windows.delete(index);
    return w.then((data) => data.subarray(from, from + len));
  };
  let pos = offset;
  let done = offset;
  // writes complete out of order (they go out as their local reads finish): the final prefix ends at the
  // first chunk not yet acknowledged, told in steps of FINAL_STEP so the reader is not flooded
  const acknowledged = new Set<number>();
  let finalEnd = offset;
  let told = offset;
  const acknowledge = (at: number): void => {
    acknowledged.add(at);
    while (acknowledged.has(finalEnd)) {
      acknowledged.delete(finalEnd);
      finalEnd = Math.min(finalEnd + CHUNK, size);
    }
    if (finalEnd - told >= FINAL_STEP || (finalEnd === size && told < size)) {
      told = finalEnd;
      hooks.onFinal?.(finalEnd);
    }
  };
  // the SSH packets of the writes handed over in one turn of the event loop (a window's chunks come
  // together) leave in one system call, not one each
  let corking = false;
  const corked = (): void => {
    if (corking) return;
    corking = true;
    session.socket.cork();
    process.nextTick(() => {
      corking = false;
      session.socket.uncork();
    });
  };
  let failure: Error | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      lost.catch((e: Error) => {
        failure = e;
        reject(e);
      });
      let inFlight = 0;
      const pump = (): void => {
        if (failure) return;
        if (pos >= size && inFlight === 0) return resolve();
        while (inFlight < IN_FLIGHT && pos < size) {
          const at = pos;
          const len = Math.min(CHUNK, size - at);
          pos += len;
          inFlight++;
          chunkAt(at, len).then(
            (buf) => {
              const bytesRead = buf.length;
              corked();
              raw.write(handle, buf, 0, bytesRead, at, (err) => {
                inFlight--;
                if (err) {
                  failure = err;
                  return reject(err);
                }
                done += bytesRead;
                acknowledge(at);
                onBytes(done);
                pump();
              });
            },
            (err: Error) => {
              failure = err;
              reject(err);
            },
          );
        }
      };
      pump();
    });
  } finally {
    await file.close();
    await sftpCall<void>(session, (cb) => raw.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
  }
}

/**
 * Where to resume a cut upload. Writes go out as their local reads complete, so a cut can leave holes,
 * but only among the last IN_FLIGHT chunks before the part's end: resume before them, on a chunk boundary.
 */
export function resumeOffset(partSize: number, size: number): number {
  if (partSize > size) return 0;
  const safe = partSize - IN_FLIGHT * CHUNK;
  return safe > 0 ? Math.floor(safe / CHUNK) * CHUNK : 0;
}

/** Size of the remote part, 0 when there is none. */
export async function remoteSize(session: Pick<SshSession, 'client' | 'lost'>, path: string): Promise<number> {
  try {
    return (await Promise.race([session.client.stat(path), session.lost])).size;
  } catch {
    return 0;
  }
}
