/**
 * `posture-stage ui`: the same renderer build and the same handler table as the Electron app, served
 * over HTTP on loopback only (interfaces.md `ui`), for jump hosts reached through an SSH tunnel and
 * for the e2e tests. Nothing here imports electron.
 *
 * Who may call: the URL carries a one-time token; the first GET with it trades it for an HttpOnly,
 * SameSite=Strict session cookie and redirects to `/`. Every other request needs that cookie, a
 * loopback Host header (DNS rebinding) and, for the API, a same-origin Origin (if sent) and a JSON
 * content type (no cross-site form posts). Progress is pushed as Server-Sent Events on `GET /api/events`
 * behind the same cookie, Host and Origin checks (contract.ts AppEvent).
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { CoreError, toCoreError } from '../errors.js';
import { dispatch, jobEvent, type Backend } from './dispatch.js';
import { RENDERER_CSP } from './csp.js';
import { readRendererFile } from './static-files.js';

export interface UiHostOptions {
  /** the handler table and the registry its long operations run in */
  backend: Backend;
  /** build/renderer-dist */
  staticDir: string;
  host?: string;
  port?: number;
  /** largest API request (bundles imported as base64 ride in one) */
  bodyLimit?: number;
}

export interface UiHost {
  /** http://127.0.0.1:PORT/?token=… (works once) */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An API call's body: `{"args": [...], "op"?: "<operation id>"}`; the arguments and the operation id are
 * parsed per method (dispatch).
 */
const callBody = z.object({ args: z.unknown(), op: z.unknown() }).partial();

/** Accepts only loopback listen addresses (interfaces.md: "on loopback only"). */
export function parseListen(value: string | undefined): { host: string; port: number } {
  if (!value) return { host: '127.0.0.1', port: 0 };
  const m = /^(?:\[?([0-9a-fA-F:.]+|localhost)\]?:)?(\d{1,5})$/.exec(value.trim());
  const host = m?.[1] ?? '127.0.0.1';
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new CoreError('USAGE', `--listen ${value} is not HOST:PORT; use e.g. 127.0.0.1:8080.`);
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback)
    throw new CoreError(
      'USAGE',
      `--listen ${value} is not a loopback address; the UI is served on 127.0.0.1 only. Reach it from elsewhere through an SSH tunnel (ssh -L PORT:127.0.0.1:PORT host).`,
    );
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

const SECURITY_HEADERS = {
  'content-security-policy': RENDERER_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Starts the host; resolves once it listens. */
export async function startUiHost(opts: UiHostOptions): Promise<UiHost> {
  const host = opts.host ?? '127.0.0.1';
  let token: string | null = randomBytes(24).toString('base64url');
  const firstToken = token;
  const session = randomBytes(32).toString('base64url');
  const bodyLimit = opts.bodyLimit ?? 1536 * 1024 * 1024;
  const app = Fastify({ logger: false, bodyLimit });
  let origin = '';

  const cookieOk = (req: FastifyRequest): boolean => {
    const m = /(?:^|;\s*)ps_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '');
    return Boolean(m?.[1] && same(m[1], session));
  };
  const hostOk = (req: FastifyRequest): boolean => {
    const h = req.headers.host ?? '';
    const expected = new URL(origin);
    return h === expected.host || h === `localhost:${expected.port}`;
  };
  const deny = (reply: FastifyReply, status: number, code: 'UNAUTHORIZED' | 'USAGE', message: string) =>
    reply.code(status).headers(SECURITY_HEADERS).type('application/json').send({ ok: false, error: { code, message } });

  // Fastify's own refusals (body over the limit, unreadable JSON) also cross as our envelope, so the
  // page shows what failed and what to do instead of failing to read the answer (STYLE.md model 3).
  app.setErrorHandler((error: { statusCode?: number; message: string }, _req, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      return reply
        .code(413)
        .headers(SECURITY_HEADERS)
        .type('application/json')
        .send({
          ok: false,
          error: new CoreError(
            'TOO_LARGE',
            `The request is too large for the UI host (limit ${bodyLimit >= 1024 ** 2 ? `${Math.round(bodyLimit / 1024 ** 2)} MB` : `${bodyLimit} bytes`}, base64 included). Add a bundle this large from the command line: posture-stage library add FILE.`,
            { limit: bodyLimit },
          ).toJSON(),
        });
    }
    if (status >= 400 && status < 500) {
      return reply
        .code(status)
        .headers(SECURITY_HEADERS)
        .type('application/json')
        .send({
          ok: false,
          error: new CoreError(
            'USAGE',
            `The UI host could not read the request (${error.message}). Reload the page and try again.`,
          ).toJSON(),
        });
    }
    return reply
      .code(500)
      .headers(SECURITY_HEADERS)
      .type('application/json')
      .send({ ok: false, error: toCoreError(error).toJSON() });
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!hostOk(req))
      return deny(reply, 421, 'UNAUTHORIZED', 'Wrong Host header: open the UI through 127.0.0.1 as printed by posture-stage ui.');
  });

  /** The API's own checks after onRequest's Host check: signed in, and same origin when the browser says. */
  const apiRefusal = (req: FastifyRequest, reply: FastifyReply) => {
    if (!cookieOk(req))
      return deny(
        reply,
        401,
        'UNAUTHORIZED',
        'This page is not signed in. Open the URL printed by `posture-stage ui` (it carries a one-time token).',
      );
    const o = req.headers.origin;
    // same origin as the page: the loopback Host this request reached (checked in onRequest), so a UI
    // opened as localhost:PORT through an SSH tunnel works and every other origin stays refused
    if (o !== undefined && o !== `http://${req.headers.host ?? ''}`)
      return deny(reply, 403, 'UNAUTHORIZED', 'Cross-origin calls are refused.');
    return null;
  };

  // progress pushed to the page (contract.ts AppEvent): one stream per open page, ended when the host closes
  const streams = new Set<() => void>();
  app.get('/api/events', async (req, reply) => {
    const refused = apiRefusal(req, reply);
    if (refused) return refused;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const send = (text: string) => {
      if (!res.writableEnded) res.write(text);
    };
    const unsubscribe = opts.backend.jobs.subscribe((job) => send(`data: ${JSON.stringify(jobEvent(job))}\n\n`));
    // a comment line now and then keeps idle proxies and the browser from dropping the stream
    const ping = setInterval(() => send(': ping\n\n'), 15_000);
    ping.unref();
    const end = () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(end);
      if (!res.writableEnded) res.end();
    };
    streams.add(end);
    req.raw.once('close', end);
    return reply;
  });
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.post<{ Params: { method: string }; Body: unknown }>('/api/:method', async (req, reply) => {
    const refused = apiRefusal(req, reply);
    if (refused) return refused;
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return deny(reply, 415, 'USAGE', 'The API takes application/json.');
    const body = callBody.safeParse(req.body).data;
    const envelope = await dispatch(opts.backend, req.params.method, body?.args ?? [], body?.op);
    return reply.headers(SECURITY_HEADERS).type('application/json').send(envelope);
  });

  app.get('/*', async (req, reply) => {
    const url = new URL(req.url, origin);
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      if (token === null || !same(offered, token))
        return deny(
          reply,
          401,
          'UNAUTHORIZED',
          'This sign-in link was already used or is wrong. Restart `posture-stage ui` for a new one.',
        );
      token = null; // one-time: a leaked URL (shell history, proxy log) opens nothing later
      return reply
        .code(303)
        .headers(SECURITY_HEADERS)
        .header('set-cookie', `ps_session=${session}; HttpOnly; SameSite=Strict; Path=/`)
        .header('location', '/')
        .send();
    }
    if (!cookieOk(req))
      return deny(reply, 401, 'UNAUTHORIZED', 'Not signed in. Open the URL printed by `posture-stage ui` (it carries a one-time token).');
    const file = await readRendererFile(opts.staticDir, url.pathname);
    if (!file) return reply.code(404).headers(SECURITY_HEADERS).type('text/plain').send('not found');
    return reply.headers(SECURITY_HEADERS).type(file.type).send(file.body);
  });

  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url: `${origin}/?token=${firstToken}`, port, close: () => app.close() };
}
