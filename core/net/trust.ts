/**
 * Trust for every TLS connection the workstation makes (feed downloads and node agents alike): the
 * system store plus admin-supplied CA PEMs (for TLS-inspecting proxies or a company CA). Verification
 * is never turned off for a transfer; the one unverified handshake here (`probeCertificate`) only reads
 * the peer's certificate to *report* it, and sends nothing.
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { Client } from 'undici';
import { CoreError } from '../errors.js';
import { fileError } from '../file-errors.js';
import { opensshFingerprint } from '../hash.js';
import { armHandshakeTimeout } from './handshake.js';

/** The system store (Node's bundled roots plus the OS store where Node can read it) and the admin's PEMs. */
export async function trustedCas(caFiles: string[] = []): Promise<string[]> {
  const system = new Set<string>(tls.rootCertificates);
  // tls.getCACertificates('system') exists from Node 22.15 (Electron's Node); Node 20 has the bundled roots only
  const getCa: unknown = Reflect.get(tls, 'getCACertificates');
  const fromOs: unknown = typeof getCa === 'function' ? getCa.call(tls, 'system') : [];
  if (Array.isArray(fromOs)) for (const pem of fromOs) if (typeof pem === 'string') system.add(pem);
  const extra: string[] = [];
  for (const file of caFiles) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw fileError(
        e,
        file,
        'The CA file',
        () =>
          new CoreError(
            'NOT_FOUND',
            `Cannot read the CA file ${file}. Give a PEM file holding the CA certificate(s) of your TLS-inspecting proxy.`,
            { file },
          ),
      );
    }
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (pems.length === 0) throw new CoreError('USAGE', `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`, { file });
    extra.push(...pems);
  }
  return [...system, ...extra];
}

/**
 * The one certificate fingerprint of the product: OpenSSH-style "SHA256:<base64, no padding>" of the
 * certificate's DER (what `agent init` prints and `--fingerprint` pins). From PEM text:
 * `certFingerprint(new X509Certificate(pem))`; from a TLS socket: `socket.getPeerX509Certificate()`.
 */
export function certFingerprint(cert: X509Certificate): string {
  return opensshFingerprint(cert.raw);
}

/** Compares two fingerprints ignoring base64 padding and the "SHA256:" prefix's case. */
export function sameFingerprint(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .trim()
      .replace(/^sha256:/i, '')
      .replace(/=+$/, '');
  return norm(a) === norm(b);
}

export interface CertDescription {
  fingerprint: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** subjects from leaf to the last certificate the server sent */
  chain: string[];
  /** set when the certificate does not verify against our trust store */
  authorizationError?: string;
}

function describeX509(cert: X509Certificate): Omit<CertDescription, 'chain' | 'authorizationError'> {
  return {
    fingerprint: certFingerprint(cert),
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
  };
}

/**
 * Handshakes with `url` (through `proxy` via undici's CONNECT when given) only to read its certificate:
 * for "confirm on first contact" and for saying which certificate failed and why.
 */
export async function probeCertificate(
  url: string,
  opts: { ca?: string[]; proxy?: string | null; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<CertDescription> {
  if (opts.signal?.aborted) throw new CoreError('CANCELLED', 'Cancelled by the user.');
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  let socket: import('node:stream').Duplex | undefined;
  let proxyClient: Client | undefined;
  if (opts.proxy) {
    const p = new URL(opts.proxy);
    const headers: Record<string, string> = { host: `${host}:${port}` };
    if (p.username)
      headers['proxy-authorization'] =
        'Basic ' + Buffer.from(`${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`).toString('base64');
    proxyClient = new Client(p.origin);
    const answer = await proxyClient.connect({ path: `${host}:${port}`, headers });
    socket = answer.socket;
  }
  try {
    return await new Promise<CertDescription>((resolve, reject) => {
      const s = tls.connect({
        host,
        port,
        servername: /^[\d.:]+$/.test(host) ? undefined : host,
        ca: opts.ca,
        rejectUnauthorized: false,
        ...(socket ? { socket } : {}),
      });
      const timeoutMs = opts.timeoutMs ?? 10_000;
      // a peer that accepts and never answers ends as UNREACHABLE at step tls, naming the timeout
      const disarm = armHandshakeTimeout(s, `${host}:${port}`, timeoutMs, socket !== undefined);
      const abort = () => s.destroy(new CoreError('CANCELLED', 'Cancelled by the user.'));
      opts.signal?.addEventListener('abort', abort, { once: true });
      s.once('close', () => opts.signal?.removeEventListener('abort', abort));
      s.once('secureConnect', () => {
        disarm();
        const peer = s.getPeerX509Certificate();
        const chain: string[] = [];
        let detailed: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
        const seen = new Set<string>();
        while (detailed && detailed.fingerprint256 && !seen.has(detailed.fingerprint256)) {
          seen.add(detailed.fingerprint256);
          chain.push(
            Object.entries(detailed.subject ?? {})
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(', '),
          );
          detailed = detailed.issuerCertificate;
        }
        const authorizationError = s.authorized ? undefined : String(s.authorizationError ?? 'not trusted');
        s.destroy();
        if (!peer) return reject(new Error('the server sent no certificate'));
        resolve({ ...describeX509(peer), chain, ...(authorizationError ? { authorizationError } : {}) });
      });
      s.once('error', (e) => {
        disarm();
        reject(e);
      });
    });
  } finally {
    socket?.destroy();
    await proxyClient?.destroy().catch(() => undefined);
  }
}
