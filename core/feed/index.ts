/**
 * Fetching bundles from the update feed (the seed's "online update", done on the workstation).
 *
 *   fetchBundle(opts: FetchOptions, onProgress?: (p: DownloadProgress) => void): Promise<FetchResult>
 *       download (proxy, trust, resume, retries, cap) → SHA-256 → bundle check → library;
 *       plain http:// only with allowHttp; a refusal removes the .part, a cut keeps it (keepsPartAfter)
 *   new FeedScheduler(check, {initialDelayMs, intervalHours}, onResult).start() / .stop()
 *   chooseProxy(url, {proxy?, proxyPassword?, noProxy?, env?}) · proxyCredentials(proxyUrl) · redactUrl(url)
 *   defaultFeedSettings() · setUrlToDefault(s) · DEFAULT_BUNDLE_URL · DEFAULT_FEED_URL · CISCO_ROOT_CA
 * Errors: UNREACHABLE {step: dns|tcp|proxy|tls|http}, TLS_UNTRUSTED {subject, issuer, reason}, TOO_LARGE,
 * CHECKSUM_MISMATCH, TRANSFER_INTERRUPTED, CANCELLED, and the bundle core's refusals. TLS trust and the
 * diagnosis itself live in core/net; FEED_ADVICE is what the feed adds to them (ISE's words, cisco.com's root).
 */
export { fetchBundle, keepsPartAfter, type FetchOptions, type FetchResult } from './fetch.js';
export type { DownloadProgress } from './download.js';
export { FeedScheduler, type ScheduleOptions } from './scheduler.js';
export { chooseProxy, redactUrl, bypassesProxy, proxyCredentials, type ProxyChoice } from './proxy.js';
export { classifyConnectError, unreachable, FEED_ADVICE, type UnreachableStep } from './diagnose.js';
export { parseFeed, type FeedDocument } from './atom.js';
export {
  DEFAULT_BUNDLE_URL,
  DEFAULT_FEED_URL,
  CISCO_ROOT_CA,
  defaultFeedSettings,
  setUrlToDefault,
  type FeedSettings,
} from './settings.js';
