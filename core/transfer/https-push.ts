/**
 * Push over HTTPS to the node agent (interfaces.md `PUT /api/v1/bundle`): bearer token from a file,
 * streamed body with progress and `X-Content-SHA256`, then the agent's answer (or its coded refusal).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { CoreError, isErrorCode } from '../errors.js';
import type { ApplyResult } from '../agent/types.js';
import { classifyConnectError } from '../net/diagnose.js';
import { NODE_ADVICE, nodeDispatcher, type NodeTlsOptions } from './node-tls.js';
import type { Target } from './target.js';
import type { PushEventSink } from './events.js';

export interface HttpsNodeOptions extends NodeTlsOptions {
  /** file holding the bearer token (the CLI's --token-file) */
  tokenFile?: string;
  /** the bearer token itself, kept in memory (the app opens it from its keychain; never written to disk) */
  token?: string;
}

export interface HttpsPushOptions extends HttpsNodeOptions {
  dryRun?: boolean;
  allowDowngrade?: boolean;
}

/** The bearer token: `token` in memory when given, else the first line of `tokenFile`. */
export async function resolveToken(opts: { token?: string; tokenFile?: string }): Promise<string> {
  if (opts.token !== undefined) {
    const token = opts.token.trim();
    if (!token || /[\r\n]/.test(token))
      throw new CoreError('USAGE', 'The node API token is empty or spans several lines; paste the token `agent init` wrote on the node.');
    return token;
  }
  return readTokenFile(opts.tokenFile);
}

/** Reads the bearer token (first line of the file). */
export async function readTokenFile(file: string | undefined): Promise<string> {
  if (!file) throw new CoreError('USAGE', 'HTTPS targets need --token-file FILE (the token `agent init` wrote on the node).');
  try {
    const token = (await readFile(file, 'utf8')).trim().split('\n')[0]?.trim() ?? '';
    if (!token) throw new Error('empty');
    return token;
  } catch {
    throw new CoreError(
      'NOT_FOUND',
      `Cannot read a token from ${file}. Copy the token file \`agent init\` wrote on the node (<store>/token) to this computer and give its path with --token-file.`,
      { file },
    );
  }
}

/** Sends one request to the agent and returns its JSON, turning refusals into CoreErrors. */
export async function agentRequest(
  target: Extract<Target, { kind: 'https' }>,
  dispatcher: Dispatcher,
  token: string,
  path: string,
  init: { method: 'GET' | 'PUT' | 'POST'; body?: NodeJS.ReadableStream | string; headers?: Record<string, string> },
  ctxOpts: NodeTlsOptions,
): Promise<Record<string, unknown>> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(`${target.origin}${path}`, {
      dispatcher,
      method: init.method,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      ...(init.body ? { body: init.body as never } : {}),
    });
  } catch (e) {
    if (e instanceof CoreError) throw e;
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof CoreError) throw cause;
    const err = await classifyConnectError(e, {
      url: target.origin,
      proxy: { url: null, display: null },
      ...(ctxOpts.ca ? { ca: ctxOpts.ca } : {}),
      advice: NODE_ADVICE,
    });
    throw err;
  }
  const text = await res.body.text();
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    doc = {};
  }
  if (res.statusCode >= 200 && res.statusCode < 300 && doc.ok !== false) return doc;
  const error = (doc.error ?? {}) as { code?: unknown; message?: string } & Record<string, unknown>;
  const { code, message, ...details } = error;
  if (isErrorCode(code)) {
    if (code === 'UNAUTHORIZED')
      throw new CoreError(
        'AUTH_FAILED',
        `${target.display} refused the token (401). Use the token file \`agent init\` wrote on that node.`,
        { target: target.display, status: 401 },
      );
    throw new CoreError(code, message ?? `The node refused (${res.statusCode}).`, {
      ...details,
      status: res.statusCode,
      target: target.display,
    });
  }
  throw new CoreError(
    'UNREACHABLE',
    `${target.display} answered ${res.statusCode} to ${init.method} ${path}. Is this a Posture Stage agent?`,
    { step: 'http', status: res.statusCode, target: target.display },
  );
}

/** Streams the bundle to `PUT /api/v1/bundle` and returns the node's apply result. */
export async function pushHttps(
  file: string,
  sha256: string,
  target: Extract<Target, { kind: 'https' }>,
  opts: HttpsPushOptions,
  emit: PushEventSink,
): Promise<ApplyResult> {
  const token = await resolveToken(opts);
  const size = (await stat(file)).size;
  const dispatcher = await nodeDispatcher(opts);
  const source = createReadStream(file);
  try {
    emit({ step: 'connect' });
    let done = 0;
    const started = Date.now();
    const meter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        done += chunk.length;
        emit({ step: 'upload', done, total: size, rate: done / Math.max((Date.now() - started) / 1000, 0.001) });
        if (done === size) emit({ step: 'apply' });
        cb(null, chunk);
      },
    });
    const body = source.pipe(meter);
    const q = [opts.dryRun ? 'dryRun=1' : '', opts.allowDowngrade ? 'allowDowngrade=1' : ''].filter(Boolean).join('&');
    const doc = await agentRequest(
      target,
      dispatcher,
      token,
      `/api/v1/bundle${q ? `?${q}` : ''}`,
      {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/zip', 'content-length': String(size), 'x-content-sha256': sha256 },
      },
      opts,
    );
    const { ok: _ok, ...result } = doc;
    void _ok;
    return result as unknown as ApplyResult;
  } finally {
    // a refused or failed request drops `meter`, but pipe() never closes its source: close the file here
    source.destroy();
    await dispatcher.close().catch(() => undefined);
  }
}
