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
export { fetchBundle, type FetchOptions } from './fetch.js';
export { FeedScheduler } from './scheduler.js';
export { redactUrl, proxyCredentials } from './proxy.js';
export { DEFAULT_BUNDLE_URL } from './settings.js';
export { FEED_ADVICE } from './diagnose.js';
