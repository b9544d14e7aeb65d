/**
 * Reading undici response bodies without ever pausing undici's HTTP/1 parser.
 *
 * undici 7 ends the whole process with an uncatchable `assert(!this.paused)` when a server has sent the
 * rest of a response and closed the connection (FIN on a `Connection: close` answer) while the parser is
 * paused because the body stream is full (nodejs/undici#5360; fixed in undici 8, which needs Node 22).
 * The parser pauses whenever the body stream reaches its high-water mark: when nobody reads yet (any
 * `await` on real I/O between the response and the first read), or when the reader is slower than the
 * socket (a `pipeline` into a file stream that pushes back). So every body here is taken in flowing mode
 * in the same tick the response arrives, and never pushes back: files are written synchronously chunk by
 * chunk, text is collected under a cap, anything else is discarded.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { finished } from 'node:stream';
import type { Dispatcher } from 'undici';

export type ResponseBody = Dispatcher.ResponseData['body'];

/** Reads and drops a body (redirects, error answers); undici destroys big ones instead of reading them. */
export function discardBody(body: ResponseBody): Promise<void> {
  return body.dump().then(
    () => undefined,
    () => undefined,
  );
}

/** Settles when `body` ended (resolve) or failed, was destroyed or closed early (reject). */
function whenDone(body: ResponseBody): Promise<void> {
  return new Promise<void>((resolve, reject) => finished(body, (err) => (err ? reject(err) : resolve())));
}

/**
 * Collects a body as UTF-8 text; past `maxBytes` the body is destroyed with `tooLarge()`.
 * Call it in the same tick the response arrived.
 */
export function readBodyText(body: ResponseBody, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) body.destroy(tooLarge());
    else chunks.push(chunk);
  });
  return whenDone(body).then(() => Buffer.concat(chunks).toString('utf8'));
}

/**
 * Writes a body into `file` as it arrives (`append` to resume), with synchronous writes so that undici never
 * waits on the disk. `onChunk` runs before each write (metering, progress); if it throws, the body is
 * destroyed with that error. Call it in the same tick the response arrived; the file is closed when the
 * returned promise settles.
 */
export function writeBodyToFile(
  body: ResponseBody,
  file: string,
  opts: { append: boolean; onChunk?: (chunk: Buffer) => void },
): Promise<void> {
  let fd: number;
  try {
    fd = openSync(file, opts.append ? 'a' : 'w');
  } catch (e) {
    body.destroy();
    return Promise.reject(e);
  }
  let failed = false;
  body.on('data', (chunk: Buffer) => {
    if (failed) return;
    try {
      opts.onChunk?.(chunk);
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off, chunk.length - off);
    } catch (e) {
      failed = true;
      body.destroy(e as Error);
    }
  });
  return whenDone(body).finally(() => closeSync(fd));
}
