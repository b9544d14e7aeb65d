/**
 * An HTTPS "update feed" peer: serves posture-offline.zip and Atom feeds with a certificate from a
 * private CA, honours Range/If-Range, and can cut the first download halfway (to prove resume).
 */
import { createServer, type Server } from 'node:https';
import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { makeCa, makeServerCert, type Pem, type ServerCertOptions } from './certs.js';

interface FeedRequest {
  method: string;
  path: string;
  range?: string;
  ifRange?: string;
  authorization?: string;
}

interface FeedFile {
  body: Uint8Array | string;
  type?: string;
  /** HTTP status to answer instead (e.g. 404, 500; 302 with `location`) */
  status?: number;
  /** Location header sent with a 3xx `status` */
  location?: string;
}

export interface FeedServerOptions {
  files?: Record<string, FeedFile>;
  /** the first full GET of each file sends only this many bytes, then the socket is destroyed */
  cutFirstDownloadAt?: number;
  /** CA to sign the server cert (default: a fresh private CA) */
  ca?: Pem;
  cert?: ServerCertOptions;
}

export interface FeedServer {
  port: number;
  /** https://127.0.0.1:PORT */
  origin: string;
  /** the private CA's certificate (PEM) a client must trust */
  caCert: string;
  requests: FeedRequest[];
  setFile(path: string, file: FeedFile): void;
  stop(): Promise<void>;
}

/** Starts the feed server on 127.0.0.1 with a free port. */
export async function startFeedServer(opts: FeedServerOptions = {}): Promise<FeedServer> {
  const ca = opts.ca ?? (await makeCa());
  const cert = await makeServerCert(ca, opts.cert);
  const files = new Map(Object.entries(opts.files ?? {}));
  const cutDone = new Set<string>();
  const requests: FeedRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    requests.push({
      method: req.method ?? 'GET',
      path,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(typeof req.headers['if-range'] === 'string' ? { ifRange: req.headers['if-range'] } : {}),
    });
    const file = files.get(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (file.status && file.status !== 200) {
      res
        .writeHead(file.status, { 'content-type': 'text/plain', ...(file.location ? { location: file.location } : {}) })
        .end(`status ${file.status}`);
      return;
    }
    const body = typeof file.body === 'string' ? Buffer.from(file.body) : Buffer.from(file.body);
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    const headers = {
      'content-type': file.type ?? 'application/octet-stream',
      etag,
      'accept-ranges': 'bytes',
      'last-modified': new Date(0).toUTCString(),
    };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (ifRange === undefined || ifRange === etag)) {
      const start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': body.length });
    if (opts.cutFirstDownloadAt !== undefined && !cutDone.has(path) && req.method === 'GET') {
      cutDone.add(path);
      res.write(body.subarray(0, opts.cutFirstDownloadAt), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    caCert: ca.cert,
    requests,
    setFile: (path, file) => {
      files.set(path, file);
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An Atom feed in the legacy online form; with `alternate` it is the stub that redirects. */
export function atomFeed(opts: { enclosure?: string; sha256?: string; length?: number; alternate?: string; updated?: string }): string {
  const updated = opts.updated ?? '2025-03-13T05:00:00Z';
  const entry = opts.enclosure
    ? `<entry><id>urn:cisco:ise:posture:offline</id><title>posture-offline.zip</title><updated>${updated}</updated>` +
      (opts.sha256 ? `<update:sha256>${opts.sha256}</update:sha256>` : '') +
      `<link rel="enclosure" type="application/zip"${opts.length !== undefined ? ` length="${opts.length}"` : ''} href="${opts.enclosure}"/></entry>`
    : '';
  const alt = opts.alternate ? `<link rel="alternate" href="${opts.alternate}"/>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:update="http://www.cisco.com/cpm/update/1.0"><title>Posture Update</title><id>urn:test</id><updated>${updated}</updated>${alt}${entry}</feed>\n`;
}
