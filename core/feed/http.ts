/**
 * The HTTP stack for the feed: undici's Agent, or its ProxyAgent (CONNECT tunnelling done by undici),
 * always verifying TLS against `trustedCas`. Also records the TLS fingerprint of the peer a download
 * came from (for the library's metadata), via undici's diagnostics channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { TLSSocket } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { certFingerprint } from '../net/trust.js';
import type { ProxyChoice } from './proxy.js';

/** A dispatcher for one target: direct or through the chosen proxy; verification always on. */
export function makeDispatcher(proxy: ProxyChoice, ca: string[], timeouts: { connectMs?: number; bodyMs?: number } = {}): Dispatcher {
  const tlsOpts = { ca, rejectUnauthorized: true, timeout: timeouts.connectMs ?? 15_000 };
  const common = { headersTimeout: 30_000, bodyTimeout: timeouts.bodyMs ?? 30_000 };
  if (proxy.url) return new ProxyAgent({ uri: proxy.url, requestTls: tlsOpts, proxyTls: tlsOpts, ...common });
  return new Agent({ connect: tlsOpts, ...common });
}

interface ConnectedMessage {
  socket?: TLSSocket;
  connectParams?: { hostname?: string; host?: string; port?: string | number; protocol?: string };
}

/** Watches TLS connections to host:port and returns the last peer certificate's fingerprint seen. */
export function watchTlsFingerprint(url: string): { get(): string | undefined; stop(): void } {
  const u = new URL(url);
  const port = String(u.port || (u.protocol === 'https:' ? 443 : 80));
  let seen: string | undefined;
  const onMessage = (message: unknown) => {
    const m = message as ConnectedMessage;
    const host = m.connectParams?.hostname ?? m.connectParams?.host;
    if (host !== u.hostname || String(m.connectParams?.port || port) !== port) return;
    const cert = m.socket && typeof m.socket.getPeerX509Certificate === 'function' ? m.socket.getPeerX509Certificate() : undefined;
    if (cert) seen = certFingerprint(cert);
  };
  subscribe('undici:client:connected', onMessage);
  return { get: () => seen, stop: () => unsubscribe('undici:client:connected', onMessage) };
}
