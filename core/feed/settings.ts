/**
 * Update Feed settings, as on ISE's Posture Updates page (seed: "Update Feed URL" with "Set to Default",
 * proxy host/port/credentials with a bypass list, "Automatically check for updates … every N hours").
 */

/** Where Cisco publishes the offline bundle (download page: https://www.cisco.com/web/secure/spa/posture-offline.html). */
export const DEFAULT_BUNDLE_URL = 'https://www.cisco.com/web/secure/spa/posture-offline.zip';
/** cisco.com's chain ends here; a proxy that inspects TLS replaces it with its own root (supply it with --ca). */
export const CISCO_ROOT_CA = 'IdenTrust Commercial Root CA 1';

export interface FeedSettings {
  /** bundle URL (a .zip) or an Atom feed URL (posture-update.xml) */
  url: string;
  /** http://[user:pass@]host:port; never printed with its credentials */
  proxy?: string;
  /** hosts that bypass the proxy (comma list like NO_PROXY) */
  noProxy?: string;
  /** admin-supplied CA PEM files, added to the system store (never replacing verification) */
  caFiles?: string[];
  /** "Automatically check for updates": first check after initialDelayMs, then every intervalHours */
  schedule?: { enabled: boolean; initialDelayMs: number; intervalHours: number };
}

/** The settings a fresh install starts with. */
export function defaultFeedSettings(): FeedSettings {
  return { url: DEFAULT_BUNDLE_URL, schedule: { enabled: false, initialDelayMs: 0, intervalHours: 2 } };
}

/** "Set to Default" for the Update Feed URL: keeps proxy/trust settings. */
export function setUrlToDefault(settings: FeedSettings): FeedSettings {
  return { ...settings, url: DEFAULT_BUNDLE_URL };
}

/** Whether a URL names an Atom feed rather than the zip itself. */
export function looksLikeFeedUrl(url: string): boolean {
  return /\.xml(\?|#|$)/i.test(new URL(url).pathname + new URL(url).search);
}
