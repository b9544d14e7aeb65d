/**
 * TLS to one peer, either pinned by `SHA256:<base64>` of the certificate's DER (the pin *is* the
 * verification, like an SSH host key) or verified against the system store plus `--ca` files. The pin is
 * checked right after the handshake, before any byte of a request: a mismatch sends nothing
 * (FINGERPRINT_MISMATCH). The connection's deadline tells a peer that never accepts (`tcp`) from one that
 * accepts and never answers the handshake (`tls`), each an UNREACHABLE that names the timeout (handshake.ts).
 */
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { Agent, type buildConnector, type Dispatcher } from 'undici';
import { CoreError } from '../errors.js';
import { certFingerprint, sameFingerprint, trustedCas } from './trust.js';
import { armHandshakeTimeout } from './handshake.js';

export interface PinOptions {
  /** the pinned certificate fingerprint (SHA256:…); when absent the chain is verified against `ca` + the system store */
  fingerprint?: string;
  ca?: string[];
  /** what to do when the pin does not match (e.g. where to read the peer's new fingerprint) */
  mismatchAdvice?: string;
  /** hears each socket as it starts connecting: undici cannot cancel a connect, a caller that cancels destroys it */
  onSocket?: (socket: tls.TLSSocket) => void;
}

export interface DispatcherTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

/** A dispatcher for one origin, honouring the pin or the CA trust. */
export async function pinnedDispatcher(opts: PinOptions, timeouts: DispatcherTimeouts): Promise<Dispatcher> {
  const pin = opts.fingerprint;
  // with a pin, chain validation is replaced by it, so the handshake itself must not reject the self-signed
  // certificate; no TLS session resumption: a resumed session shows no peer certificate, and every connection is checked
  const secure: tls.ConnectionOptions = pin
    ? { rejectUnauthorized: false }
    : { rejectUnauthorized: true, ca: await trustedCas(opts.ca ?? []) };
  const connect: buildConnector.connector = (options, callback) => {
    const where = `${options.hostname}:${options.port}`;
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host,
      port: Number(options.port),
      ...(isIP(host) ? {} : { servername: options.servername ?? host }),
      ALPNProtocols: ['http/1.1'],
      ...secure,
    });
    socket.setNoDelay(true);
    opts.onSocket?.(socket);
    const disarm = armHandshakeTimeout(socket, where, timeouts.connectMs);
    const fail = (e: Error) => {
      disarm();
      socket.destroy();
      callback(e, null);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      disarm();
      socket.off('error', fail);
      if (pin) {
        const cert = socket.getPeerX509Certificate();
        const seen = cert ? certFingerprint(cert) : '(none)';
        if (!cert || !sameFingerprint(seen, pin))
          return fail(
            new CoreError(
              'FINGERPRINT_MISMATCH',
              `The TLS certificate of ${where} has fingerprint ${seen}, not the pinned ${pin}. Nothing was sent.${opts.mismatchAdvice ? ` ${opts.mismatchAdvice}` : ''}`,
              { host: where, fingerprint: seen, expected: pin },
            ),
          );
      }
      socket.setKeepAlive(true, 60_000);
      callback(null, socket);
    });
  };
  return new Agent({ connect, headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.bodyMs });
}
