/**
 * `fetch`: the seed's "online update", done on the workstation. Resolves the feed (zip URL, or an Atom
 * feed and its stub redirect), downloads to a `.part` with resume, checks SHA-256 (given or from the
 * feed), runs the bundle core's full check, then adds to the library. A failed fetch leaves nothing in
 * the library; a cut transfer leaves its `.part` in the downloads folder so the next run resumes, and a
 * refusal removes it (keepsPartAfter).
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../errors.js';
import { copyVerified, openLibrary, hashFile, type LibraryEntry } from '../library/index.js';
import { parseFeed } from './atom.js';
import { downloadToPart, fetchText, refuseTlsDowngrade, type DownloadProgress } from './download.js';
import { makeDispatcher, watchTlsFingerprint } from './http.js';
import type { ConnectContext } from './diagnose.js';
import { chooseProxy, redactUrl } from './proxy.js';
import { DEFAULT_BUNDLE_URL, looksLikeFeedUrl } from './settings.js';
import { trustedCas } from '../net/trust.js';

export interface FetchOptions {
  /** zip URL or Atom feed URL (default: Cisco's offline bundle) */
  url?: string;
  /** http://[user[:password]@]host:port; the CLI refuses a password here (it would be on the command line) */
  proxy?: string;
  /** the proxy user's password, for a proxy URL (or HTTPS_PROXY) that names a user without one */
  proxyPassword?: string;
  noProxy?: string;
  /** fetch a plain http:// start URL (refused otherwise); a redirect from https to http stays refused */
  allowHttp?: boolean;
  /** admin CA PEM files added to the system store */
  ca?: string[];
  sha256?: string;
  /** library home (default $POSTURE_STAGE_HOME / per-user data folder) */
  home?: string;
  /** also copy the stored bundle here */
  out?: string;
  /** default 2 GiB */
  maxBytes?: number;
  /** default 4 */
  retries?: number;
  /** default 500 ms, doubled per retry */
  backoffMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface FetchResult {
  entry: LibraryEntry;
  /** path of the stored bundle in the library */
  path: string;
  sha256: string;
  size: number;
  url: string;
  resumed: boolean;
  /** "SHA256:…" of the certificate the bundle came from */
  tlsFingerprint?: string;
  proxy: string | null;
  out?: string;
}

/** Where the download of `url` is kept until it is verified (the same file across runs, so a later fetch resumes it). */
export function partPathFor(downloadsDir: string, url: string): string {
  return join(downloadsDir, createHash('sha256').update(url).digest('hex').slice(0, 24) + '.zip.part');
}

/** Follows the Atom feed (and up to 3 stub redirects) to the bundle URL and its advertised SHA-256. */
async function resolveFeed(
  url: string,
  ctx: Parameters<typeof fetchText>[1] & { maxHops?: number },
): Promise<{ url: string; sha256?: string; length?: number }> {
  let current = url;
  for (let hop = 0; hop < 4; hop++) {
    const { text, url: finalUrl } = await fetchText(current, ctx);
    const doc = parseFeed(text, finalUrl);
    if (doc.enclosure) refuseTlsDowngrade(finalUrl, doc.enclosure.href);
    if (doc.alternate) refuseTlsDowngrade(finalUrl, doc.alternate);
    if (doc.enclosure)
      return {
        url: doc.enclosure.href,
        ...(doc.enclosure.sha256 ? { sha256: doc.enclosure.sha256 } : {}),
        ...(doc.enclosure.length ? { length: doc.enclosure.length } : {}),
      };
    if (doc.alternate && doc.alternate !== finalUrl) {
      current = doc.alternate;
      continue;
    }
    throw new CoreError(
      'FEED_INVALID',
      `The feed at ${finalUrl} names no posture-offline.zip (no enclosure link, no alternate). Check the Update Feed URL or give the .zip URL.`,
      { url: finalUrl },
    );
  }
  throw new CoreError('FEED_INVALID', `The feed at ${url} redirects too many times.`, { url });
}

/**
 * Whether a failed fetch keeps its `.part` for the next run to resume: only when the transfer was cut or a
 * peer could not be reached (or answered 5xx). A refusal — TOO_LARGE, a checksum mismatch, a refused
 * bundle, an untrusted certificate, an http:// hop, a 4xx answer — removes it: the next run starts clean.
 */
function keepsPartAfter(e: unknown): boolean {
  if (!(e instanceof CoreError)) return false;
  if (e.code === 'TRANSFER_INTERRUPTED' || e.code === 'CANCELLED') return true;
  if (e.code !== 'UNREACHABLE') return false;
  if (e.details.step !== 'http') return true;
  return typeof e.details.status === 'number' && e.details.status >= 500;
}

async function removePart(partPath: string): Promise<void> {
  await rm(partPath, { force: true });
  await rm(`${partPath}.json`, { force: true });
}

/** Refuses what cannot be fetched before anything is sent: not a URL, not http(s), plain http:// unless allowed. */
function checkStartUrl(startUrl: string, allowHttp: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(startUrl);
  } catch {
    throw new CoreError('USAGE', `"${startUrl}" is not a URL. Give the bundle's https:// URL or an Atom feed URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new CoreError('USAGE', `Only https:// URLs can be fetched, not ${parsed.protocol}`);
  if (parsed.protocol === 'http:' && !allowHttp)
    throw new CoreError(
      'USAGE',
      `${redactUrl(startUrl)} is plain http://: nothing would prove where the bundle came from, and anyone on the path could change it. Give the https:// URL; if this mirror only speaks http, allow it explicitly (fetch --allow-http) and pin the file with --sha256.`,
      { url: redactUrl(startUrl) },
    );
}

/** Downloads, verifies and stores a bundle; reports progress through `onProgress`. */
export async function fetchBundle(opts: FetchOptions = {}, onProgress?: (p: DownloadProgress) => void): Promise<FetchResult> {
  const startUrl = opts.url ?? DEFAULT_BUNDLE_URL;
  checkStartUrl(startUrl, opts.allowHttp === true);
  if (opts.sha256 && !/^[0-9a-fA-F]{64}$/.test(opts.sha256)) throw new CoreError('USAGE', '--sha256 must be 64 hex digits.');
  const library = openLibrary(opts.home);
  const ca = await trustedCas(opts.ca ?? []);
  const proxy = chooseProxy(startUrl, {
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
    ...(opts.proxyPassword !== undefined ? { proxyPassword: opts.proxyPassword } : {}),
    ...(opts.noProxy ? { noProxy: opts.noProxy } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  const dispatcher = makeDispatcher(proxy, ca);
  const connect = { url: startUrl, proxy, ca };
  try {
    let target: { url: string; sha256?: string; length?: number } = { url: startUrl };
    if (looksLikeFeedUrl(startUrl))
      target = await resolveFeed(startUrl, { dispatcher, connect, ...(opts.signal ? { signal: opts.signal } : {}) });
    const expected = (opts.sha256 ?? target.sha256)?.toLowerCase();
    await mkdir(library.downloadsDir, { recursive: true });
    const partPath = partPathFor(library.downloadsDir, target.url);
    let stored: { entry: LibraryEntry; sha256: string; size: number; resumed: boolean; tlsFingerprint?: string };
    try {
      stored = await downloadAndStore(target.url, partPath, expected, { dispatcher, connect, library, opts, onProgress });
    } catch (e) {
      if (!keepsPartAfter(e)) await removePart(partPath);
      throw e;
    }
    await removePart(partPath);
    const { entry, sha256, tlsFingerprint } = stored;
    onProgress?.({ phase: 'store', done: stored.size, total: stored.size });
    let out: string | undefined;
    if (opts.out) {
      await mkdir(opts.out, { recursive: true });
      out = join(opts.out, 'posture-offline.zip');
      await copyVerified(entry, out);
    }
    return {
      entry,
      path: entry.path,
      sha256,
      size: stored.size,
      url: redactUrl(target.url),
      resumed: stored.resumed,
      ...(tlsFingerprint ? { tlsFingerprint } : {}),
      proxy: proxy.display,
      ...(out ? { out } : {}),
    };
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/** Download into `partPath` (resuming), SHA-256 against `expected`, bundle check, add to the library. */
async function downloadAndStore(
  url: string,
  partPath: string,
  expected: string | undefined,
  ctx: {
    dispatcher: ReturnType<typeof makeDispatcher>;
    connect: ConnectContext;
    library: ReturnType<typeof openLibrary>;
    opts: FetchOptions;
    onProgress: ((p: DownloadProgress) => void) | undefined;
  },
): Promise<{ entry: LibraryEntry; sha256: string; size: number; resumed: boolean; tlsFingerprint?: string }> {
  const { opts, onProgress } = ctx;
  const watch = watchTlsFingerprint(url);
  let downloaded;
  try {
    downloaded = await downloadToPart(url, {
      dispatcher: ctx.dispatcher,
      connect: { ...ctx.connect, url },
      partPath,
      maxBytes: opts.maxBytes ?? 2 * 1024 ** 3,
      retries: opts.retries ?? 4,
      backoffMs: opts.backoffMs ?? 500,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  } finally {
    watch.stop();
  }
  onProgress?.({ phase: 'verify', done: downloaded.size, total: downloaded.size });
  const { sha256 } = await hashFile(partPath);
  if (expected && sha256 !== expected) {
    throw new CoreError(
      'CHECKSUM_MISMATCH',
      `The downloaded file's SHA-256 is ${sha256}, not the expected ${expected}. It was discarded; nothing was added to the library.`,
      { expected, actual: sha256, url },
    );
  }
  onProgress?.({ phase: 'check', done: downloaded.size, total: downloaded.size });
  const tlsFingerprint = watch.get();
  const entry = await ctx.library.add(
    partPath,
    { kind: 'url', url: redactUrl(url), fetchedAt: new Date().toISOString(), ...(tlsFingerprint ? { tlsFingerprint } : {}) },
    { name: 'posture-offline.zip', ...(expected ? { expectedSha256: expected } : {}) },
  );
  return { entry, sha256, size: downloaded.size, resumed: downloaded.resumed, ...(tlsFingerprint ? { tlsFingerprint } : {}) };
}
