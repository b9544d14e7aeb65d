/**
 * TLS to one peer, either pinned by `SHA256:<base64>` of the certificate's DER (the pin *is* the
 * verification, like an SSH host key) or verified against the system store plus `--ca` files. The pin is
 * checked right after the handshake, before any byte of a request: a mismatch sends nothing
 * (FINGERPRINT_MISMATCH).
 */
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { CoreError } from '../errors.js';
import { certFingerprint, sameFingerprint, trustedCas } from './trust.js';

export interface PinOptions {
  /** the pinned certificate fingerprint (SHA256:…); when absent the chain is verified against `ca` + the system store */
  fingerprint?: string;
  ca?: string[];
  /** what to do when the pin does not match (e.g. where to read the peer's new fingerprint) */
  mismatchAdvice?: string;
}

export interface DispatcherTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

/** A dispatcher for one origin, honouring the pin or the CA trust. */
export async function pinnedDispatcher(opts: PinOptions, timeouts: DispatcherTimeouts): Promise<Dispatcher> {
  const common = { headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.bodyMs };
  if (!opts.fingerprint)
    return new Agent({
      connect: { ca: await trustedCas(opts.ca ?? []), rejectUnauthorized: true, timeout: timeouts.connectMs },
      ...common,
    });
  const pin = opts.fingerprint;
  // chain validation is replaced by the pin, so the connector must not reject the self-signed cert itself;
  // no TLS session resumption: a resumed session shows no peer certificate, and every connection is checked
  const base = buildConnector({ rejectUnauthorized: false, timeout: timeouts.connectMs, maxCachedSessions: 0 });
  const connect: buildConnector.connector = (options, callback) => {
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null);
      const cert = (socket as TLSSocket).getPeerX509Certificate?.();
      const seen = cert ? certFingerprint(cert) : '(none)';
      if (!cert || !sameFingerprint(seen, pin)) {
        socket.destroy();
        return callback(
          new CoreError(
            'FINGERPRINT_MISMATCH',
            `The TLS certificate of ${options.hostname}:${options.port} has fingerprint ${seen}, not the pinned ${pin}. Nothing was sent.${opts.mismatchAdvice ? ` ${opts.mismatchAdvice}` : ''}`,
            { host: `${options.hostname}:${options.port}`, fingerprint: seen, expected: pin },
          ),
          null,
        );
      }
      callback(null, socket);
    });
  };
  return new Agent({ connect, ...common });
}
