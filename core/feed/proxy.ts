/**
 * Which proxy a URL goes through: `--proxy` first, else HTTPS_PROXY/https_proxy (HTTP_PROXY for http),
 * minus the bypass list (`--no-proxy`, else NO_PROXY). Credentials stay inside the URL handed to
 * undici's ProxyAgent and are redacted everywhere they could be printed. Credentials in HTTPS_PROXY are
 * accepted: the environment is readable only by the same user (unlike the command line, which `ps` shows
 * to everyone).
 */
import { CoreError } from '../errors.js';

export interface ProxyChoice {
  /** full proxy URL (may hold credentials) or null for a direct connection */
  url: string | null;
  /** the same with credentials replaced by *** (for messages and logs) */
  display: string | null;
  host?: string;
  port?: number;
}

/** Replaces user:password in a URL with ***; leaves other URLs as they are. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** NO_PROXY semantics: `*`, exact host, `.suffix` or `suffix` (matches subdomains), optional `:port`. */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const item = raw.trim().toLowerCase();
    if (!item) continue;
    if (item === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(item);
    const pattern = (m?.[1] ?? item).replace(/^\*?\./, '.');
    if (m?.[2] && m[2] !== port) continue;
    if (pattern.startsWith('.') ? host.endsWith(pattern) || host === pattern.slice(1) : host === pattern || host.endsWith('.' + pattern))
      return true;
  }
  return false;
}

/**
 * Chooses the proxy for `target`; throws USAGE for a proxy URL that is not http://host:port.
 * `proxyPassword` completes a proxy URL that names a user without a password (the CLI takes it from an
 * environment variable or a prompt, never from the command line).
 */
export function chooseProxy(
  target: string,
  opts: { proxy?: string; proxyPassword?: string; noProxy?: string; env?: NodeJS.ProcessEnv } = {},
): ProxyChoice {
  const env = opts.env ?? process.env;
  const url = new URL(target);
  const candidate = opts.proxy ?? (url.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy));
  const noProxy = opts.noProxy ?? env.NO_PROXY ?? env.no_proxy;
  if (!candidate || bypassesProxy(url, noProxy)) return { url: null, display: null };
  let proxy: URL;
  try {
    proxy = new URL(candidate);
  } catch {
    throw new CoreError('USAGE', `The proxy "${redactUrl(candidate)}" is not a URL. Give it as http://[user@]host:port.`);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new CoreError(
      'USAGE',
      `The proxy "${redactUrl(candidate)}" must start with http:// (or https://). Give it as http://[user@]host:port.`,
    );
  }
  if (opts.proxyPassword !== undefined) {
    if (!proxy.username)
      throw new CoreError(
        'USAGE',
        `A proxy password was given, but the proxy "${redactUrl(candidate)}" names no user. Give it as http://USER@host:port.`,
      );
    if (!proxy.password) proxy.password = opts.proxyPassword;
  }
  const port = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
  return { url: proxy.toString(), display: redactUrl(proxy.toString()), host: proxy.hostname, port };
}

/** The user and whether a password is present in a proxy URL (undefined when it is not a URL). */
export function proxyCredentials(proxy: string): { user: string; hasPassword: boolean } | undefined {
  try {
    const u = new URL(proxy);
    return { user: decodeURIComponent(u.username), hasPassword: u.password !== '' };
  } catch {
    return undefined;
  }
}
