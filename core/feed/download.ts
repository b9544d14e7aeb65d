/**
 * Downloads one URL into a `.part` file: progress (bytes, rate, ETA), resume with `Range` + `If-Range`
 * after a cut connection (also across runs: the validator is kept in `<part>.json`), bounded retries
 * with exponential backoff, and a size cap. Hashing and checks happen after, in fetch.ts.
 */
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { CoreError } from '../errors.js';
import { classifyConnectError, isInterruption, unreachable, type ConnectContext } from './diagnose.js';
import { redactUrl } from './proxy.js';

export interface DownloadProgress {
  phase: 'download' | 'verify' | 'check' | 'store';
  done: number;
  total?: number;
  /** bytes per second over this attempt */
  rate?: number;
  etaSeconds?: number;
  attempt?: number;
  /** set when a retry is about to happen */
  retryInMs?: number;
}

export interface DownloadOptions {
  dispatcher: Dispatcher;
  connect: ConnectContext;
  partPath: string;
  maxBytes: number;
  retries: number;
  backoffMs: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

export interface Downloaded {
  size: number;
  finalUrl: string;
  etag?: string;
  contentType?: string;
  resumed: boolean;
}

interface PartMeta {
  url: string;
  validator?: string;
}

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readMeta(path: string): Promise<PartMeta | undefined> {
  try {
    return JSON.parse(await readFile(`${path}.json`, 'utf8')) as PartMeta;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new CoreError('CANCELLED', 'The download was cancelled.'));
      },
      { once: true },
    );
  });

/**
 * Refuses to leave https:// for a plain-text URL (a redirect, or a feed naming an http:// bundle): that
 * would turn TLS off behind the admin's back. A start URL given as http:// is the admin's own choice.
 */
export function refuseTlsDowngrade(from: string, to: string): void {
  if (new URL(from).protocol === 'https:' && new URL(to).protocol !== 'https:') {
    throw unreachable(
      'http',
      `${redactUrl(from)} sends the download on to ${redactUrl(to)}, which is not https://; an unencrypted download is refused. Ask for the bundle's https:// URL, or give the other URL yourself if you trust that path.`,
      { url: redactUrl(from), location: redactUrl(to) },
    );
  }
}

/** Follows redirects (≤5, never from https to http) and returns the final answer's headers and body. */
async function get(
  url: string,
  headers: Record<string, string>,
  opts: DownloadOptions,
): Promise<{ res: Dispatcher.ResponseData; url: string }> {
  let current = url;
  for (let hop = 0; hop < 6; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, {
        dispatcher: opts.dispatcher,
        method: 'GET',
        headers,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (e) {
      if (opts.signal?.aborted) throw new CoreError('CANCELLED', 'The download was cancelled.');
      throw await classifyConnectError(e, { ...opts.connect, url: current });
    }
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      await res.body.dump();
      const next = new URL(location, current).toString();
      refuseTlsDowngrade(current, next);
      current = next;
      continue;
    }
    return { res, url: current };
  }
  throw unreachable('http', `Too many redirects starting at ${url}.`, { url });
}

/** Downloads `url` to `opts.partPath`, resuming what is already there when the server's validator matches. */
export async function downloadToPart(url: string, opts: DownloadOptions): Promise<Downloaded> {
  let lastError: unknown;
  let resumedAny = false;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    const meta = await readMeta(opts.partPath);
    let offset = meta?.url === url && meta.validator ? await partSize(opts.partPath) : 0;
    const headers: Record<string, string> = { 'user-agent': 'posture-stage', accept: '*/*' };
    if (offset > 0 && meta?.validator) {
      headers.range = `bytes=${offset}-`;
      headers['if-range'] = meta.validator;
    }
    let answer: Awaited<ReturnType<typeof get>>;
    try {
      answer = await get(url, headers, opts);
    } catch (e) {
      const transient = e instanceof CoreError && e.code === 'UNREACHABLE' && e.details.step === 'tcp' && attempt < opts.retries;
      if (!transient) throw e;
      lastError = e;
      await backoff(attempt, opts);
      continue;
    }
    const { res } = answer;
    if (res.statusCode === 416 && offset > 0) {
      await res.body.dump();
      await rm(opts.partPath, { force: true });
      await rm(`${opts.partPath}.json`, { force: true });
      continue;
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      await res.body.dump();
      const err = unreachable('http', `The server answered ${res.statusCode} for ${answer.url}. Check the Update Feed URL.`, {
        status: res.statusCode,
        url: answer.url,
      });
      if (res.statusCode >= 500 && attempt < opts.retries) {
        lastError = err;
        await backoff(attempt, opts);
        continue;
      }
      throw err;
    }
    if (res.statusCode === 200) offset = 0; // the validator changed (or no range support): start over
    const length = Number(res.headers['content-length']);
    const total = Number.isFinite(length) ? offset + length : undefined;
    if (total !== undefined && total > opts.maxBytes) {
      await res.body.dump().catch(() => undefined);
      throw new CoreError(
        'TOO_LARGE',
        `The download is ${total} bytes, over the ${opts.maxBytes}-byte cap. Raise the cap if this bundle is expected to be that large.`,
        { size: total, max: opts.maxBytes },
      );
    }
    const etag = typeof res.headers.etag === 'string' ? res.headers.etag : undefined;
    const lastModified = typeof res.headers['last-modified'] === 'string' ? res.headers['last-modified'] : undefined;
    const validator = etag && !etag.startsWith('W/') ? etag : lastModified;
    await writeFile(`${opts.partPath}.json`, JSON.stringify({ url, validator } satisfies PartMeta));
    if (offset > 0) resumedAny = true;
    let done = offset;
    const started = Date.now();
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        if (done > opts.maxBytes)
          return cb(new CoreError('TOO_LARGE', `The download passed the ${opts.maxBytes}-byte cap.`, { max: opts.maxBytes }));
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        const rate = (done - offset) / seconds;
        opts.onProgress?.({
          phase: 'download',
          done,
          ...(total !== undefined ? { total, etaSeconds: rate > 0 ? (total - done) / rate : undefined } : {}),
          rate,
          attempt,
        });
        cb(null, chunk);
      },
    });
    try {
      await pipeline(res.body, meter, createWriteStream(opts.partPath, { flags: offset > 0 ? 'a' : 'w' }));
    } catch (e) {
      if (e instanceof CoreError) throw e;
      if (opts.signal?.aborted)
        throw new CoreError('CANCELLED', 'The download was cancelled; the partial file is kept for a later resume.');
      lastError = e;
      if (!isInterruption(e) || attempt >= opts.retries) break;
      await backoff(attempt, opts);
      continue;
    }
    if (total !== undefined && done !== total) {
      lastError = new Error(`connection closed after ${done} of ${total} bytes`);
      if (attempt >= opts.retries) break;
      await backoff(attempt, opts);
      continue;
    }
    return {
      size: done,
      finalUrl: answer.url,
      ...(etag ? { etag } : {}),
      ...(typeof res.headers['content-type'] === 'string' ? { contentType: res.headers['content-type'] } : {}),
      resumed: resumedAny,
    };
  }
  if (lastError instanceof CoreError) throw lastError;
  throw new CoreError(
    'TRANSFER_INTERRUPTED',
    `The download of ${url} was cut ${opts.retries + 1} times. The partial file is kept; run fetch again to resume.`,
    { url, attempts: opts.retries + 1, cause: (lastError as Error)?.message },
  );
}

async function backoff(attempt: number, opts: DownloadOptions): Promise<void> {
  const ms = Math.min(opts.backoffMs * 2 ** attempt, 10_000);
  opts.onProgress?.({ phase: 'download', done: await partSize(opts.partPath), attempt, retryInMs: ms });
  await sleep(ms, opts.signal);
}

/** GETs a small text document (an Atom feed), under a size cap. */
export async function fetchText(
  url: string,
  opts: Pick<DownloadOptions, 'dispatcher' | 'connect' | 'signal'>,
  maxBytes = 4 * 1024 * 1024,
): Promise<{ text: string; url: string; contentType?: string }> {
  const { res, url: finalUrl } = await get(
    url,
    { 'user-agent': 'posture-stage', accept: 'application/atom+xml, application/xml, */*' },
    { ...opts, partPath: '', maxBytes, retries: 0, backoffMs: 0 },
  );
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw unreachable('http', `The server answered ${res.statusCode} for ${finalUrl}. Check the Update Feed URL.`, {
      status: res.statusCode,
      url: finalUrl,
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes)
      throw new CoreError('TOO_LARGE', `The feed at ${finalUrl} is over ${maxBytes} bytes; it is not an update feed.`, { url: finalUrl });
    chunks.push(chunk as Buffer);
  }
  const type = res.headers['content-type'];
  return { text: Buffer.concat(chunks).toString('utf8'), url: finalUrl, ...(typeof type === 'string' ? { contentType: type } : {}) };
}
