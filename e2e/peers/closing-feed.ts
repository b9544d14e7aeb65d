/**
 * An HTTPS peer that answers every request in one write — status line, headers and the whole body — and
 * closes the connection in the same breath (`Connection: close` + FIN), as some CDNs and proxies do.
 * undici 7 ends the client process when such a body is not read at once (nodejs/undici#5360); the feed
 * tests point every download path at this peer. Plain node:tls, so nothing smooths the timing.
 */
import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { makeCa, makeServerCert, type Pem } from './certs.js';

export interface ClosingRoute {
  body: Uint8Array | string;
  /** default 200; a 3xx goes with `location` */
  status?: number;
  location?: string;
  type?: string;
  /** no Content-Length: the body ends where the connection does */
  lengthless?: boolean;
}

export interface ClosingFeed {
  port: number;
  origin: string;
  caCert: string;
  requests: Array<{ path: string; range?: string }>;
  stop(): Promise<void>;
}

const ETAG = '"closing-feed-1"';

/** One answer, bytes ready to write: honours `Range: bytes=N-` on 200 routes with a 206. */
function answer(route: ClosingRoute | undefined, range: string | undefined): Buffer {
  const status = route?.status ?? (route ? 200 : 404);
  let body = route ? Buffer.from(route.body) : Buffer.from('not found');
  const headers: Record<string, string | number> = {
    'content-type': route?.type ?? 'application/octet-stream',
    etag: ETAG,
    'accept-ranges': 'bytes',
    connection: 'close',
  };
  if (route?.location) headers.location = route.location;
  let line = `${status} ${status === 200 ? 'OK' : 'Status'}`;
  const from = /^bytes=(\d+)-$/.exec(range ?? '');
  if (status === 200 && from && Number(from[1]) < body.length) {
    const start = Number(from[1]);
    headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    body = body.subarray(start);
    line = '206 Partial Content';
  }
  if (!route?.lengthless) headers['content-length'] = body.length;
  const head = `HTTP/1.1 ${line}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

/** Starts the peer on 127.0.0.1 with a free port; `routes` maps paths to answers (others get 404). */
export async function startClosingFeed(routes: Record<string, ClosingRoute>, ca?: Pem): Promise<ClosingFeed> {
  const authority = ca ?? (await makeCa());
  const cert = await makeServerCert(authority);
  const requests: ClosingFeed['requests'] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer({ key: cert.key, cert: cert.cert }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const [requestLine = '', ...lines] = head.slice(0, end).split('\r\n');
      const path = new URL(requestLine.split(' ')[1] ?? '/', 'https://x').pathname;
      const range = lines.find((l) => /^range:/i.test(l))?.replace(/^range:\s*/i, '');
      requests.push({ path, ...(range ? { range } : {}) });
      socket.end(answer(routes[path], range));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    caCert: authority.cert,
    requests,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
