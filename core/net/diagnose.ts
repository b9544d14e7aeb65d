/**
 * Turns a failed connection into the error an admin can act on: `UNREACHABLE` with the failing step
 * (`dns`, `tcp`, `proxy`, `tls`, `http`), or `TLS_UNTRUSTED` naming the certificate. Generic: what is
 * said about the peer (the update feed on the internet, a node agent on the LAN) comes in as `advice`
 * from the caller, so a node never gets the feed's "UDP 123 to the internet" and the feed keeps ISE's words.
 */
import { CoreError } from '../errors.js';
import { probeCertificate } from './trust.js';

export type UnreachableStep = 'dns' | 'tcp' | 'proxy' | 'tls' | 'http';

/** What the caller knows about the peer, added to the generic diagnosis. Every field is optional. */
export interface ConnectAdvice {
  /** appended to every non-http UNREACHABLE message (the feed: ISE's "Remote Address is not accessible…") */
  unreachable?: string;
  /** `details.hint` of every UNREACHABLE error (the feed: the ports every hop to the internet must allow) */
  hint?: string;
  /** what to do when the chain does not lead to a trusted root (the feed: cisco.com's root; a node: pin it) */
  untrustedChain?: string;
  /** what to do when the certificate is outside its validity period (the feed: sync the clock over NTP) */
  clock?: string;
}

/** The proxy a connection went through, as the feed's proxy choice describes it. */
interface ProxyInfo {
  /** full proxy URL (may hold credentials) or null for a direct connection */
  url: string | null;
  /** the same with credentials replaced (for messages) */
  display: string | null;
  host?: string;
  port?: number;
}

export interface ConnectContext {
  url: string;
  proxy: ProxyInfo;
  ca?: string[];
  advice?: ConnectAdvice;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'INVALID_CA',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'HOSTNAME_MISMATCH',
]);

interface ErrnoLike {
  code?: string;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** The innermost error with a code (undici and AggregateError wrap the socket's error). */
function rootError(e: unknown): ErrnoLike {
  let cur = e as ErrnoLike;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur.code && !String(cur.code).startsWith('UND_ERR_')) return cur;
    const next = (cur.cause ?? cur.errors?.[0]) as ErrnoLike | undefined;
    if (!next) break;
    cur = next;
  }
  return (e ?? {}) as ErrnoLike;
}

/** An UNREACHABLE error for one step, with the caller's advice (if any) in its message and details. */
export function unreachable(
  step: UnreachableStep,
  message: string,
  details: Record<string, unknown> = {},
  advice: ConnectAdvice = {},
): CoreError {
  const tail = step === 'http' ? '' : (advice.unreachable ?? '');
  return new CoreError('UNREACHABLE', `${message} ${tail}`.trim(), { step, ...details, ...(advice.hint ? { hint: advice.hint } : {}) });
}

/** Whether an error is a transient cut of an established transfer (worth resuming). */
export function isInterruption(e: unknown): boolean {
  const code = rootError(e).code ?? (e as ErrnoLike).code;
  return (
    [
      'ECONNRESET',
      'EPIPE',
      'UND_ERR_SOCKET',
      'UND_ERR_BODY_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'ECONNABORTED',
      'UND_ERR_ABORTED',
      'ERR_STREAM_PREMATURE_CLOSE',
    ].includes(code ?? '') || /other side closed|premature close|aborted/i.test((e as Error)?.message ?? '')
  );
}

/** A human reason for an OpenSSL verify code, with what to do (the caller's advice where it has some). */
function explainTlsCode(code: string, host: string, advice: ConnectAdvice = {}): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `The certificate of ${host} is outside its validity period for this computer's clock. ${advice.clock ?? "If the certificate is current, this computer's clock is wrong: set it right."}`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `The certificate does not name ${host}. Check the URL's host name.`;
    default:
      return `The certificate chain of ${host} does not lead to a trusted root. ${advice.untrustedChain ?? 'Give the CA that issued it with --ca FILE.'}`;
  }
}

/** Classifies a connection failure; probes the certificate to say which one failed for TLS errors. */
export async function classifyConnectError(e: unknown, ctx: ConnectContext): Promise<CoreError> {
  if (e instanceof CoreError) return e;
  const advice = ctx.advice ?? {};
  const err = rootError(e);
  const code = err.code ?? '';
  const message = (e as Error)?.message ?? String(e);
  const u = new URL(ctx.url);
  const hostPort = `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  const proxied = ctx.proxy.url !== null;
  const proxyAt = proxied ? `${ctx.proxy.host}:${ctx.proxy.port}` : '';

  const proxyStatus = /Proxy response \((\d+)\)/.exec(message) ?? /Proxy Authentication Required \((407)\)/.exec(message);
  if (proxyStatus) {
    const status = Number(proxyStatus[1]);
    // tinyproxy answers 401 to wrong credentials, others 407
    if (status === 407 || status === 401)
      return unreachable(
        'proxy',
        `The proxy ${ctx.proxy.display} asked for credentials or refused the ones given (${status} ${status === 407 ? 'Proxy Authentication Required' : 'Unauthorized'}). Give the user in the proxy URL (http://user@host:port) and the password with --proxy-password-env VAR, or when asked.`,
        { proxy: ctx.proxy.display, status },
        advice,
      );
    return unreachable(
      'proxy',
      `The proxy ${ctx.proxy.display} refused to open a tunnel to ${hostPort} (status ${status}). The proxy may not reach it, or may block the port.`,
      { proxy: ctx.proxy.display, status, target: hostPort },
      advice,
    );
  }
  if (TLS_CODES.has(code) || (/certificate|self[- ]signed|SSL|TLS/i.test(err.message ?? '') && !/ECONN/.test(code))) {
    let cert: Awaited<ReturnType<typeof probeCertificate>> | undefined;
    try {
      cert = await probeCertificate(ctx.url, { ca: ctx.ca, proxy: ctx.proxy.url });
    } catch {
      cert = undefined;
    }
    const reason = explainTlsCode(code, u.hostname, advice);
    const details: Record<string, unknown> = { step: 'tls', reason: code || err.message, host: hostPort };
    if (cert)
      Object.assign(details, {
        subject: cert.subject,
        issuer: cert.issuer,
        fingerprint: cert.fingerprint,
        validFrom: cert.validFrom,
        validTo: cert.validTo,
      });
    if (code === 'CERT_NOT_YET_VALID' || code === 'CERT_HAS_EXPIRED') details.clockSkew = { localTime: new Date().toISOString() };
    const which = cert ? `"${cert.subject}" issued by "${cert.issuer}"` : `of ${hostPort}`;
    return new CoreError(
      'TLS_UNTRUSTED',
      `The certificate ${which} was not accepted (${code || 'verification failed'}). ${reason}`,
      details,
    );
  }
  if (
    proxied &&
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'UND_ERR_CONNECT_TIMEOUT',
      'ECONNRESET',
    ].includes(code)
  ) {
    return unreachable(
      'proxy',
      `Cannot connect to the proxy ${ctx.proxy.display} (${code}).`,
      { proxy: ctx.proxy.display, address: proxyAt, cause: code },
      advice,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return unreachable(
      'dns',
      `The name ${u.hostname} could not be resolved (${code}). Check the name and that DNS (UDP 53) is reachable.`,
      { host: u.hostname, cause: code },
      advice,
    );
  }
  if (['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNRESET'].includes(code)) {
    return unreachable(
      'tcp',
      `Cannot connect to ${hostPort} (${code}). Check the host and port, and that a firewall allows it.`,
      { address: hostPort, cause: code },
      advice,
    );
  }
  return unreachable(
    'tcp',
    `Connecting to ${hostPort} failed: ${err.message ?? message}.`,
    { address: hostPort, cause: code || undefined },
    advice,
  );
}
