/**
 * Downloads one URL into a `.part` file: progress (bytes, rate, ETA), resume with `Range` + `If-Range`
 * after a cut connection (also across runs: the validator is kept in `<part>.json`), bounded retries
 * with exponential backoff, and a size cap. Hashing and checks happen after, in fetch.ts.
 */
import { writeFileSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { discardBody, readBodyText, writeBodyToFile } from './body.js';
import { CoreError } from '../errors.js';
import { parseJson } from '../json.js';
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

/** `<part>.json`: which URL the `.part` holds and its validator (ETag or Last-Modified) for `If-Range`. */
const partMetaSchema = z.object({ url: z.string(), validator: z.string().optional() });
type PartMeta = z.infer<typeof partMetaSchema>;

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The `.part`'s metadata; undefined when missing or unreadable: the download then starts over instead of resuming. */
async function readMeta(path: string): Promise<PartMeta | undefined> {
  const text = await readFile(`${path}.json`, 'utf8').catch(() => null);
  if (text === null) return undefined;
  const parsed = parseJson(text, partMetaSchema);
  return parsed.ok ? parsed.data : undefined;
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

/**
 * Follows redirects (≤5, never from https to http) and hands the final answer to `take` in the same tick
 * it arrived, so that its body is being read before anything else can run (body.ts: nodejs/undici#5360).
 */
async function get<T>(
  url: string,
  headers: Record<string, string>,
  opts: Pick<DownloadOptions, 'dispatcher' | 'connect' | 'signal'>,
  take: (res: Dispatcher.ResponseData, url: string) => T,
): Promise<T> {
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
      void discardBody(res.body);
      const next = new URL(location, current).toString();
      refuseTlsDowngrade(current, next);
      current = next;
      continue;
    }
    return take(res, current);
  }
  throw unreachable('http', `Too many redirects starting at ${url}.`, { url });
}

/** What one GET of the bundle turned into; the body is already being written or discarded. */
type Attempt =
  | { kind: 'status'; status: number; url: string }
  | { kind: 'too-large'; total: number }
  | { kind: 'body'; res: Dispatcher.ResponseData; url: string; offset: number; total?: number; writing: Promise<void>; done: () => number };

/** The first byte a 206 answer holds (`Content-Range: bytes START-END/SIZE`), or undefined. */
function rangeStart(res: Dispatcher.ResponseData): number | undefined {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** Downloads `url` to `opts.partPath`, resuming what is already there when the server's validator matches. */
export async function downloadToPart(url: string, opts: DownloadOptions): Promise<Downloaded> {
  let lastError: unknown;
  let resumedAny = false;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    const meta = await readMeta(opts.partPath);
    const have = meta?.url === url && meta.validator ? await partSize(opts.partPath) : 0;
    const headers: Record<string, string> = { 'user-agent': 'posture-stage', accept: '*/*' };
    if (have > 0 && meta?.validator) {
      headers.range = `bytes=${have}-`;
      headers['if-range'] = meta.validator;
    }
    const started = Date.now();
    let answer: Attempt;
    try {
      answer = await get(url, headers, opts, (res, finalUrl): Attempt => {
        const resumes = res.statusCode === 206 && have > 0 && rangeStart(res) === have;
        if (res.statusCode !== 200 && !resumes) {
          void discardBody(res.body);
          return { kind: 'status', status: res.statusCode, url: finalUrl };
        }
        const offset = resumes ? have : 0; // a 200 means the validator changed (or no range support): start over
        const length = Number(res.headers['content-length']);
        const total = Number.isFinite(length) ? offset + length : undefined;
        if (total !== undefined && total > opts.maxBytes) {
          res.body.destroy();
          return { kind: 'too-large', total };
        }
        const etag = typeof res.headers.etag === 'string' ? res.headers.etag : undefined;
        const lastModified = typeof res.headers['last-modified'] === 'string' ? res.headers['last-modified'] : undefined;
        const validator = etag && !etag.startsWith('W/') ? etag : lastModified;
        let done = offset;
        const writing = writeBodyToFile(res.body, opts.partPath, {
          append: offset > 0,
          onChunk: (chunk) => {
            done += chunk.length;
            if (done > opts.maxBytes)
              throw new CoreError('TOO_LARGE', `The download passed the ${opts.maxBytes}-byte cap.`, { max: opts.maxBytes });
            const seconds = Math.max((Date.now() - started) / 1000, 0.001);
            const rate = (done - offset) / seconds;
            opts.onProgress?.({
              phase: 'download',
              done,
              ...(total !== undefined ? { total, etaSeconds: rate > 0 ? (total - done) / rate : undefined } : {}),
              rate,
              attempt,
            });
          },
        });
        try {
          // the validator is what lets a later run resume this .part; kept beside it
          writeFileSync(`${opts.partPath}.json`, JSON.stringify({ url, validator } satisfies PartMeta));
        } catch (e) {
          res.body.destroy();
          writing.catch(() => undefined);
          throw e;
        }
        return { kind: 'body', res, url: finalUrl, offset, ...(total !== undefined ? { total } : {}), writing, done: () => done };
      });
    } catch (e) {
      const transient = e instanceof CoreError && e.code === 'UNREACHABLE' && e.details.step === 'tcp' && attempt < opts.retries;
      if (!transient) throw e;
      lastError = e;
      await backoff(attempt, opts);
      continue;
    }
    if (answer.kind === 'too-large') {
      throw new CoreError(
        'TOO_LARGE',
        `The download is ${answer.total} bytes, over the ${opts.maxBytes}-byte cap. Raise the cap if this bundle is expected to be that large.`,
        { size: answer.total, max: opts.maxBytes },
      );
    }
    if (answer.kind === 'status') {
      if ((answer.status === 416 || answer.status === 206) && have > 0) {
        // the server no longer serves what the .part holds the start of: start over
        await rm(opts.partPath, { force: true });
        await rm(`${opts.partPath}.json`, { force: true });
        continue;
      }
      const err = unreachable('http', `The server answered ${answer.status} for ${answer.url}. Check the Update Feed URL.`, {
        status: answer.status,
        url: answer.url,
      });
      if (answer.status >= 500 && attempt < opts.retries) {
        lastError = err;
        await backoff(attempt, opts);
        continue;
      }
      throw err;
    }
    const { res, total } = answer;
    if (answer.offset > 0) resumedAny = true;
    try {
      await answer.writing;
    } catch (e) {
      if (e instanceof CoreError) throw e;
      if (opts.signal?.aborted)
        throw new CoreError('CANCELLED', 'The download was cancelled; the partial file is kept for a later resume.');
      lastError = e;
      if (!isInterruption(e) || attempt >= opts.retries) break;
      await backoff(attempt, opts);
      continue;
    }
    const done = answer.done();
    if (total !== undefined && done !== total) {
      lastError = new Error(`connection closed after ${done} of ${total} bytes`);
      if (attempt >= opts.retries) break;
      await backoff(attempt, opts);
      continue;
    }
    const etag = typeof res.headers.etag === 'string' ? res.headers.etag : undefined;
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
  const answer = await get(
    url,
    { 'user-agent': 'posture-stage', accept: 'application/atom+xml, application/xml, */*' },
    opts,
    (res, finalUrl): { status: number; url: string; text?: Promise<string>; contentType?: string } => {
      if (res.statusCode !== 200) {
        void discardBody(res.body);
        return { status: res.statusCode, url: finalUrl };
      }
      const type = res.headers['content-type'];
      const text = readBodyText(
        res.body,
        maxBytes,
        () => new CoreError('TOO_LARGE', `The feed at ${finalUrl} is over ${maxBytes} bytes; it is not an update feed.`, { url: finalUrl }),
      );
      return { status: 200, url: finalUrl, text, ...(typeof type === 'string' ? { contentType: type } : {}) };
    },
  );
  if (answer.status !== 200 || !answer.text) {
    throw unreachable('http', `The server answered ${answer.status} for ${answer.url}. Check the Update Feed URL.`, {
      status: answer.status,
      url: answer.url,
    });
  }
  let text: string;
  try {
    text = await answer.text;
  } catch (e) {
    if (e instanceof CoreError) throw e;
    if (opts.signal?.aborted) throw new CoreError('CANCELLED', 'The download was cancelled.');
    throw await classifyConnectError(e, { ...opts.connect, url: answer.url });
  }
  return { text, url: answer.url, ...(answer.contentType ? { contentType: answer.contentType } : {}) };
}
