/**
 * The HTTPS transport of the node client (interfaces.md "Node agent HTTPS API"): bearer token in the
 * Authorization header, the agent's certificate pinned (or verified against the CA trust), one dispatcher
 * per connection with the node timeouts, the AbortSignal handed to undici so a cancel closes the socket.
 * Uploads stream the bundle to `PUT /api/v1/inbox/<name>` with `X-Content-SHA256`: the node hashes what
 * it receives and keeps nothing that does not match. A bundle kept for ISE comes back the same way
 * (`GET /api/v1/staged/{sha256}`, hashed here); custody goes first as `PUT /api/v1/custody/{sha256}`.
 */
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { request, type Dispatcher } from 'undici';
import { CoreError } from '../errors.js';
import { classifyConnectError, isInterruption } from '../net/diagnose.js';
import { answers, nodeRefusal, parseAnswer } from './answers.js';
import type { AgentCall } from './calls.js';
import { NODE_ADVICE, nodeDispatcher } from './node-tls.js';
import { cancelled } from './events.js';
import { displayOf, type HttpsTarget } from './target.js';
import type { CustodySent, DownloadRequest, Transport, UploadRequest, Uploaded } from './transport.js';
import type { CustodyDocument } from '../custody/document.js';
import { openDestination, receiveVerified } from './download.js';
import { uploadBody } from './upload-body.js';
import { rm, type FileHandle } from 'node:fs/promises';

/** The most an answer may hold (the largest is the node's content index). */
const MAX_ANSWER = 64 * 1024 * 1024;

interface Sent {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string | Readable;
  signal?: AbortSignal;
}

/** Reads a body up to MAX_ANSWER bytes. */
async function readBody(res: Dispatcher.ResponseData, node: string): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > MAX_ANSWER) {
      res.body.destroy();
      throw new CoreError('INTERNAL', `${node} sent an answer larger than ${MAX_ANSWER} bytes; this is not a Posture Stage agent answer.`, {
        node,
      });
    }
    parts.push(b);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Checks the token and prepares the dispatcher; nothing is sent before the first call. */
export async function openHttpsTransport(target: HttpsTarget): Promise<Transport> {
  const display = displayOf(target);
  const token = target.token.trim();
  if (!token || /[\r\n]/.test(token))
    throw new CoreError('USAGE', 'The node API token is empty or spans several lines; paste the token `agent init` wrote on the node.');
  // this connection's sockets, so a cancel can close one still connecting (undici waits for its connect)
  const sockets = new Set<TLSSocket>();
  const dispatcher = await nodeDispatcher(target, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  /**
   * undici hands a request's signal to the socket only once it is connected: a cancel during the TCP or TLS
   * connect would wait out the connect timeout (15 s against a port that never answers TLS). Until the
   * answer's headers arrive, a cancel destroys this connection's dispatcher instead (it serves one node for
   * one operation), which fails its requests at once, and closes its sockets, connected or not.
   */
  async function untilHeaders<T>(signal: AbortSignal | undefined, sent: () => Promise<T>): Promise<T> {
    if (!signal) return sent();
    const drop = () => {
      void dispatcher.destroy().catch(() => undefined);
      for (const socket of sockets) socket.destroy();
    };
    signal.addEventListener('abort', drop, { once: true });
    try {
      return await sent();
    } finally {
      signal.removeEventListener('abort', drop);
    }
  }

  /** One request; connection failures diagnosed for a node, refusals decoded; the answer's status and text. */
  async function send(req: Sent): Promise<{ status: number; text: string }> {
    if (req.signal?.aborted) throw cancelled();
    let res: Dispatcher.ResponseData;
    try {
      res = await untilHeaders(req.signal, () =>
        request(`${target.origin}${req.path}`, {
          dispatcher,
          method: req.method,
          headers: { authorization: `Bearer ${token}`, ...req.headers },
          ...(req.body !== undefined ? { body: req.body } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        }),
      );
    } catch (e) {
      if (req.signal?.aborted) throw cancelled();
      if (e instanceof CoreError) throw e;
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof CoreError) throw cause;
      if (req.method === 'PUT' && isInterruption(e))
        throw new CoreError('TRANSFER_INTERRUPTED', `The upload to ${display} was cut: ${(e as Error).message}. Push again.`, {
          target: display,
        });
      throw await classifyConnectError(e, {
        url: target.origin,
        proxy: { url: null, display: null },
        ...(target.ca ? { ca: target.ca } : {}),
        advice: NODE_ADVICE,
      });
    }
    let text: string;
    try {
      text = await readBody(res, display);
    } catch (e) {
      if (req.signal?.aborted) throw cancelled();
      throw e;
    }
    return { status: res.statusCode, text };
  }

  /** The answer as JSON, or the node's refusal / a "not an agent" UNREACHABLE. */
  function decode(req: Sent, status: number, text: string, asText = false): unknown {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined;
    }
    const refusal = nodeRefusal(doc, display, { status });
    if (refusal) throw refusal;
    if (status >= 200 && status < 300) {
      if (asText) return { lines: text.split('\n').filter((l) => l.trim() !== '') };
      if (doc !== undefined) return doc;
    }
    throw new CoreError(
      'UNREACHABLE',
      `${display} answered ${status} to ${req.method} ${req.path.split('?')[0]}. Is this a Posture Stage agent?`,
      { step: 'http', status, node: display },
    );
  }

  async function call<T>(c: AgentCall<T>, signal?: AbortSignal): Promise<T> {
    const req: Sent = {
      method: c.http.method,
      path: c.http.path,
      ...(c.http.body ? { body: JSON.stringify(c.http.body), headers: { 'content-type': 'application/json' } } : {}),
      ...(signal ? { signal } : {}),
    };
    const { status, text } = await send(req);
    return parseAnswer(c.schema, decode(req, status, text, c.http.text), c.what, display);
  }

  async function upload(u: UploadRequest): Promise<Uploaded> {
    const started = Date.now();
    const req: Sent = {
      method: 'PUT',
      path: `/api/v1/inbox/${encodeURIComponent(u.name)}`,
      // pulled one piece at a time (highWaterMark 0): uploadBody refills a buffer only once the socket took it
      body: Readable.from(
        uploadBody({
          file: u.file,
          size: u.size,
          sockets,
          onTaken: (done) => {
            u.onProgress?.(done, u.size, done / Math.max((Date.now() - started) / 1000, 0.001));
            if (done === u.size) u.onVerify?.();
          },
          ...(u.signal ? { signal: u.signal } : {}),
        }),
        { objectMode: false, highWaterMark: 0 },
      ),
      headers: { 'content-type': 'application/zip', 'content-length': String(u.size), 'x-content-sha256': u.sha256 },
      ...(u.signal ? { signal: u.signal } : {}),
    };
    try {
      const { status, text } = await send(req);
      const got = parseAnswer(answers.verification, decode(req, status, text), 'upload', display);
      if (got.size !== u.size || got.sha256 !== u.sha256)
        throw new CoreError('REMOTE_CHECKSUM_MISMATCH', `The copy on ${display} does not match what was sent; push again.`, {
          target: display,
          expected: { size: u.size, sha256: u.sha256 },
          actual: { size: got.size, sha256: got.sha256 },
        });
      return got;
    } catch (e) {
      if (u.signal?.aborted) throw cancelled();
      if (e instanceof CoreError) throw e;
      throw new CoreError('TRANSFER_INTERRUPTED', `The upload to ${display} was cut: ${(e as Error).message}.`, { target: display });
    }
  }

  /** `GET /api/v1/staged/{sha256}`: the body streamed into the file, verified (download.ts). */
  async function download(d: DownloadRequest): Promise<{ sha256: string; size: number }> {
    if (d.signal?.aborted) throw cancelled();
    const out = await openDestination(d.to);
    try {
      return await fetchInto(d, out);
    } catch (e) {
      await out.close().catch(() => undefined);
      await rm(d.to, { force: true });
      throw e;
    }
  }

  async function fetchInto(d: DownloadRequest, out: FileHandle): Promise<{ sha256: string; size: number }> {
    const path = `/api/v1/staged/${d.sha256}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await untilHeaders(d.signal, () =>
        request(`${target.origin}${path}`, {
          dispatcher,
          method: 'GET',
          headers: { authorization: `Bearer ${token}` },
          ...(d.signal ? { signal: d.signal } : {}),
        }),
      );
    } catch (e) {
      if (d.signal?.aborted) throw cancelled();
      if (e instanceof CoreError) throw e;
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof CoreError) throw cause;
      throw await classifyConnectError(e, {
        url: target.origin,
        proxy: { url: null, display: null },
        ...(target.ca ? { ca: target.ca } : {}),
        advice: NODE_ADVICE,
      });
    }
    if (res.statusCode !== 200) {
      const text = await readBody(res, display);
      decode({ method: 'GET', path }, res.statusCode, text);
      throw new CoreError('UNREACHABLE', `${display} answered ${res.statusCode} to GET ${path}.`, { step: 'http', node: display });
    }
    const announced = String(res.headers['x-content-sha256'] ?? '');
    if (announced !== d.sha256) {
      res.body.destroy();
      throw new CoreError(
        'REMOTE_CHECKSUM_MISMATCH',
        `${display} announced SHA-256 ${announced || '(none)'} for bundle ${d.sha256}; nothing was kept.`,
        { node: display, expected: d.sha256, announced },
      );
    }
    return receiveVerified(res.body, d, display, out);
  }

  /** `PUT /api/v1/custody/{sha256}` with the document as JSON; a node with trusted signers verifies it now. */
  async function putCustody(sha256: string, document: CustodyDocument, signal?: AbortSignal): Promise<CustodySent> {
    const req: Sent = {
      method: 'PUT',
      path: `/api/v1/custody/${sha256}`,
      body: JSON.stringify(document),
      headers: { 'content-type': 'application/json' },
      ...(signal ? { signal } : {}),
    };
    const { status, text } = await send(req);
    return parseAnswer(answers.custody, decode(req, status, text), 'custody', display);
  }

  return { display, call, upload, download, putCustody, close: () => dispatcher.close().catch(() => undefined) };
}
