/**
 * The node agent's HTTPS API (interfaces.md "Node agent HTTPS API"; paths and status codes fixed there).
 * TLS 1.2+ with AEAD ciphers only (tls.ts); every route needs a named token unless registered public
 * (auth.ts: decided on the matched route, deny by default); uploads streamed into inbox/; every request
 * logged without the token; errors as `{"ok":false,"error":{code,message,…}}`.
 */
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { resolve } from 'node:path';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CoreError, toCoreError, type ErrorCode } from '../errors.js';
import { httpStatusFor } from '../error-catalogue.js';
import { cleanLeftovers, readCurrent, readNodeContent, readToken } from './store.js';
import { certFingerprint } from '../net/trust.js';
import { TokenVerifier } from './tokens.js';
import { installAuth, type RegisteredRoute } from './auth.js';
import { AGENT_TLS } from './tls.js';
import { saveCustodyDocument } from './custody.js';
import { storePaths } from './paths.js';
import { acquireApplyLock, isApplyRunning } from './lock.js';
import { applyBundle } from './apply.js';
import { parseRollbackTarget, rollback } from './rollback.js';
import { readStatus } from './status.js';
import { readHistory } from './history.js';
import { readLogTail } from './log.js';
import { listPolicies, deletePolicy } from './policies.js';
import { findStaged, listStaged } from './staged.js';
import { inboxPath, receiveUpload, uploadName, verifyInboxFile, DEFAULT_MAX_UPLOAD, UPLOAD_PREFIX } from './inbox.js';

export interface AgentServerOptions {
  store: string;
  /** default 127.0.0.1 (the CLI's `agent serve` defaults to 0.0.0.0:8443) */
  host?: string;
  /** 0 = a free port */
  port?: number;
  maxUploadBytes?: number;
  /** whole-request limit (upload included), ms */
  requestTimeoutMs?: number;
  /** one line per request; default stderr */
  log?: (line: string) => void;
}

export interface AgentServer {
  url: string;
  port: number;
  fingerprint: string;
  /** the "admin" token from the store's token file (absent once revoked) */
  token?: string;
  /** every route the API serves, as registered (HEAD twins included): what auth tests walk */
  routes: readonly RegisteredRoute[];
  close(): Promise<void>;
}

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const err = toCoreError(e);
  return reply
    .code(httpStatusFor(err.code))
    .type('application/json')
    .send({ ok: false, error: { code: err.code, message: err.message, ...err.details } });
}

const flag = (v: unknown) => v === '1' || v === 'true' || v === true;

/** `POST /api/v1/rollback`: no body, or `{"to": N | SHA-256}` (checked by parseRollbackTarget). */
const rollbackBody = z.strictObject({ to: z.unknown() }).partial();
/** `POST /api/v1/apply`: the inbox file and the flags (`flag` decides what counts as set). */
const applyBody = z.object({
  file: z.string(),
  dryRun: z.unknown().optional(),
  allowDowngrade: z.unknown().optional(),
  allowReplay: z.unknown().optional(),
});

/** Starts the agent's HTTPS API on the store's TLS identity. */
export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const store = resolve(opts.store);
  const p = storePaths(store);
  await readCurrent(store);
  const [key, cert, token] = await Promise.all([readFile(p.key), readFile(p.cert, 'utf8'), readToken(store).catch(() => undefined)]);
  const maxUpload = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // leftovers of a killed apply are cleaned at start unless an apply is running right now
  try {
    const release = await acquireApplyLock(store, 'agent start');
    try {
      await cleanLeftovers(store, { inbox: true });
    } finally {
      await release();
    }
  } catch (e) {
    if (!CoreError.is(e, 'APPLY_BUSY')) throw e;
  }

  const app = Fastify({
    https: { key, cert, ...AGENT_TLS },
    logger: false,
    bodyLimit: 1024 * 1024,
    requestTimeout: opts.requestTimeoutMs ?? 30 * 60_000,
    connectionTimeout: 120_000,
    keepAliveTimeout: 5_000,
    // a URL the router cannot decode: answered like any other bad request, before any route is chosen
    frameworkErrors: (error, _req, reply) =>
      sendError(reply, new CoreError(error.statusCode === 413 ? 'TOO_LARGE' : 'USAGE', `Bad request: ${error.message}`)),
  });
  let pool = 0;
  const threadOf = new WeakMap<FastifyRequest, string>();
  const ipOf = new WeakMap<FastifyRequest, string>();
  // the bundle body is left unread here and streamed by the route (never buffered)
  app.addContentTypeParser(['application/zip', 'application/octet-stream'], (_req, _payload, done) => done(null, undefined));

  app.addHook('onRequest', async (req) => {
    threadOf.set(req, `admin-http-pool${(pool++ % 20) + 1}`);
    ipOf.set(req, req.ip);
  });
  const auth = installAuth(app, new TokenVerifier(store), sendError);
  const who = (req: FastifyRequest) => ({ who: auth.whoOf(req), thread: threadOf.get(req) });
  app.addHook('onResponse', async (req, reply) => {
    // the URL carries no secret (the token travels only in the Authorization header, never logged)
    log(
      `${new Date().toISOString()} ${ipOf.get(req) ?? '-'} ${threadOf.get(req) ?? '-'} ${req.method} ${req.url} ${reply.statusCode} ${Math.round(reply.elapsedTime)}ms`,
    );
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (error instanceof CoreError) return sendError(reply, error);
    if (error.statusCode && error.statusCode < 500) {
      const code: ErrorCode = error.statusCode === 413 ? 'TOO_LARGE' : 'USAGE';
      return reply
        .code(error.statusCode === 413 ? 413 : 400)
        .send({ ok: false, error: { code, message: `Bad request: ${error.message}` } });
    }
    return sendError(reply, error);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new CoreError('NOT_FOUND', `No such endpoint: ${req.method} ${req.url.split('?')[0]}.`)),
  );

  // the one public route (interfaces.md); every other route needs a token (auth.ts)
  app.get('/healthz', { config: { public: true } }, async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/api/v1/status', async () => ({ ok: true, ...(await readStatus(store)) }));
  app.get('/api/v1/content', async () => ({ ok: true, status: await readStatus(store), state: await readNodeContent(store) }));
  app.get('/api/v1/history', async () => ({ ok: true, updates: await readHistory(store) }));
  app.get('/api/v1/policies', async () => ({ ok: true, policies: await listPolicies(store) }));
  app.delete<{ Params: { name: string } }>('/api/v1/policies/:name', async (req) => ({
    ok: true,
    ...(await deletePolicy(store, req.params.name, who(req))),
  }));
  app.post('/api/v1/rollback', async (req) => {
    const body = rollbackBody.safeParse(req.body ?? {});
    if (!body.success)
      throw new CoreError('USAGE', 'Send no body, or {"to": N} (steps back) or {"to": "<SHA-256 of a kept state\'s bundle>"}.');
    const to = parseRollbackTarget(body.data.to);
    return { ok: true, ...(await rollback(store, { ...who(req), ...(to !== undefined ? { to } : {}) })) };
  });
  app.get<{ Querystring: { lines?: string } }>('/api/v1/log', async (req, reply) => {
    const n = req.query.lines === undefined ? 100 : Number(req.query.lines);
    if (!Number.isInteger(n) || n < 0) throw new CoreError('USAGE', '`lines` must be a non-negative integer.');
    return reply.type('text/plain; charset=utf-8').send(await readLogTail(store, n));
  });
  app.post('/api/v1/apply', async (req) => {
    const parsed = applyBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new CoreError('USAGE', 'Send {"file":"<name in the store\'s inbox>"}.');
    const body = parsed.data;
    // the agent's own in-flight uploads are not for applying by name
    if (body.file.startsWith(UPLOAD_PREFIX))
      throw new CoreError('USAGE', `"${body.file}" is one of the agent's own temporary uploads, not a bundle to apply.`, {
        file: body.file,
      });
    const path = inboxPath(store, body.file);
    return {
      ok: true,
      ...(await applyBundle(store, path, {
        dryRun: flag(body.dryRun),
        allowDowngrade: flag(body.allowDowngrade),
        allowReplay: flag(body.allowReplay),
        ...who(req),
      })),
    };
  });
  // the bundles kept for the hand-off to ISE (staged.ts): the list, and one bundle's bytes
  app.get('/api/v1/staged', async () => ({ ok: true, staged: await listStaged(store) }));
  app.get<{ Params: { sha256: string } }>('/api/v1/staged/:sha256', async (req, reply) => {
    if (!/^[0-9a-f]{64}$/.test(req.params.sha256))
      throw new CoreError('USAGE', `"${req.params.sha256}" is not a bundle SHA-256 (64 lowercase hex digits).`);
    const kept = await findStaged(store, req.params.sha256);
    // streamed, never buffered; the client hashes what it receives against X-Content-SHA256
    return reply
      .type('application/zip')
      .header('x-content-sha256', kept.sha256)
      .header('content-length', String(kept.size))
      .header('content-disposition', 'attachment; filename="posture-offline.zip"')
      .send(createReadStream(kept.path));
  });
  // custody before the bundle (../custody/document.ts): the signed transfer manifest, stored as inbox/<sha256>.custody.json
  app.put<{ Params: { sha256: string } }>('/api/v1/custody/:sha256', async (req) => ({
    ok: true,
    ...(await saveCustodyDocument(store, req.params.sha256, req.body)),
  }));

  /** Streams the body to inbox/ (size cap, SHA-256 on the fly); answers 413/400 without keeping anything. */
  async function upload(req: FastifyRequest, reply: FastifyReply, name?: string) {
    if (name) inboxPath(store, name);
    const expected = String(req.headers['x-content-sha256'] ?? '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(expected))
      throw new CoreError('USAGE', "The X-Content-SHA256 header (64 hex digits of the bundle's SHA-256) is required.");
    const length = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(length) && length > maxUpload)
      throw new CoreError('TOO_LARGE', `The upload (${length} bytes) is larger than this node accepts (${maxUpload} bytes).`, {
        maxBytes: maxUpload,
        size: length,
      });
    // a PassThrough so a refusal mid-stream does not destroy the socket before the answer is sent
    const body = new PassThrough();
    // pipe() does not pass on a client that went away; without this the upload would wait forever
    const onClose = () => {
      if (!req.raw.complete) body.destroy(new Error('the client closed the connection mid-upload'));
    };
    req.raw.on('close', onClose);
    req.raw.on('error', onClose);
    req.raw.pipe(body);
    try {
      return await receiveUpload(store, body, { expectedSha256: expected, maxBytes: maxUpload, ...(name ? { name } : {}) });
    } catch (e) {
      req.raw.unpipe(body);
      reply.header('connection', 'close');
      throw e;
    }
  }

  app.put<{ Querystring: { dryRun?: string; allowDowngrade?: string; allowReplay?: string } }>('/api/v1/bundle', async (req, reply) => {
    if (await isApplyRunning(store))
      throw new CoreError('APPLY_BUSY', 'Another apply is running on this node. Wait for it to finish, then try again.');
    const got = await upload(req, reply, `${UPLOAD_PREFIX}${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.zip`);
    try {
      return {
        ok: true,
        ...(await applyBundle(store, got.path, {
          dryRun: flag(req.query.dryRun),
          allowDowngrade: flag(req.query.allowDowngrade),
          allowReplay: flag(req.query.allowReplay),
          ...who(req),
        })),
      };
    } finally {
      await rm(got.path, { force: true });
    }
  });
  // our addition: upload only (the HTTPS twin of an SFTP upload), then POST /api/v1/apply
  app.put<{ Params: { name: string } }>('/api/v1/inbox/:name', async (req, reply) => {
    const got = await upload(req, reply, uploadName(req.params.name));
    return { ok: true, file: got.file, size: got.size, sha256: got.sha256 };
  });
  // our addition: size and SHA-256 of an inbox file as the node sees it (the HTTPS twin of `agent verify`)
  app.get<{ Params: { name: string } }>('/api/v1/inbox/:name', async (req) => ({
    ok: true,
    ...(await verifyInboxFile(store, req.params.name)),
  }));

  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const host = opts.host ?? '127.0.0.1';
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${shown}:${port}`,
    port,
    fingerprint: certFingerprint(new X509Certificate(cert)),
    ...(token ? { token } : {}),
    routes: auth.routes,
    close: () => app.close(),
  };
}
