/**
 * `fetch`: the seed's "online update", done on the workstation. Resolves the feed (zip URL, or an Atom
 * feed and its stub redirect), downloads to a `.part` with resume, checks SHA-256 (given or from the
 * feed), runs the bundle core's full check, then adds to the library. A failed fetch leaves nothing in
 * the library (the `.part` stays in the downloads folder so the next run resumes).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../errors.js';
import { openLibrary, hashFile, type LibraryEntry } from '../library/index.js';
import { parseFeed } from './atom.js';
import { downloadToPart, fetchText, refuseTlsDowngrade, type DownloadProgress } from './download.js';
import { makeDispatcher, watchTlsFingerprint } from './http.js';
import { chooseProxy, redactUrl } from './proxy.js';
import { DEFAULT_BUNDLE_URL, looksLikeFeedUrl } from './settings.js';
import { trustedCas } from './trust.js';

export interface FetchOptions {
  /** zip URL or Atom feed URL (default: Cisco's offline bundle) */
  url?: string;
  proxy?: string;
  noProxy?: string;
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

/** Downloads, verifies and stores a bundle; reports progress through `onProgress`. */
export async function fetchBundle(opts: FetchOptions = {}, onProgress?: (p: DownloadProgress) => void): Promise<FetchResult> {
  const startUrl = opts.url ?? DEFAULT_BUNDLE_URL;
  let parsed: URL;
  try {
    parsed = new URL(startUrl);
  } catch {
    throw new CoreError('USAGE', `"${startUrl}" is not a URL. Give the bundle's https:// URL or an Atom feed URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new CoreError('USAGE', `Only https:// (or http://) URLs can be fetched, not ${parsed.protocol}`);
  if (opts.sha256 && !/^[0-9a-fA-F]{64}$/.test(opts.sha256)) throw new CoreError('USAGE', '--sha256 must be 64 hex digits.');
  const library = openLibrary(opts.home);
  const ca = await trustedCas(opts.ca ?? []);
  const proxy = chooseProxy(startUrl, {
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
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
    const partPath = join(library.downloadsDir, createHash('sha256').update(target.url).digest('hex').slice(0, 24) + '.zip.part');
    const watch = watchTlsFingerprint(target.url);
    let downloaded;
    try {
      downloaded = await downloadToPart(target.url, {
        dispatcher,
        connect: { ...connect, url: target.url },
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
      await rm(partPath, { force: true });
      await rm(`${partPath}.json`, { force: true });
      throw new CoreError(
        'CHECKSUM_MISMATCH',
        `The downloaded file's SHA-256 is ${sha256}, not the expected ${expected}. It was discarded; nothing was added to the library.`,
        { expected, actual: sha256, url: target.url },
      );
    }
    onProgress?.({ phase: 'check', done: downloaded.size, total: downloaded.size });
    const tlsFingerprint = watch.get();
    let entry: LibraryEntry;
    try {
      entry = await library.add(
        partPath,
        { kind: 'url', url: redactUrl(target.url), fetchedAt: new Date().toISOString(), ...(tlsFingerprint ? { tlsFingerprint } : {}) },
        { name: 'posture-offline.zip', ...(expected ? { expectedSha256: expected } : {}) },
      );
    } catch (e) {
      // a refused bundle is not worth resuming: start clean next time
      await rm(partPath, { force: true });
      await rm(`${partPath}.json`, { force: true });
      throw e;
    }
    await rm(partPath, { force: true });
    await rm(`${partPath}.json`, { force: true });
    onProgress?.({ phase: 'store', done: downloaded.size, total: downloaded.size });
    let out: string | undefined;
    if (opts.out) {
      await mkdir(opts.out, { recursive: true });
      out = join(opts.out, 'posture-offline.zip');
      await copyFile(entry.path, out);
    }
    return {
      entry,
      path: entry.path,
      sha256,
      size: downloaded.size,
      url: redactUrl(target.url),
      resumed: downloaded.resumed,
      ...(tlsFingerprint ? { tlsFingerprint } : {}),
      proxy: proxy.display,
      ...(out ? { out } : {}),
    };
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
