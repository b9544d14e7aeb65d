/**
 * TLS to a node agent: either pinned by `--fingerprint SHA256:<base64>` of the certificate's DER (as
 * `agent init` prints; the pin *is* the verification, like an SSH host key) or verified against the
 * system store plus `--ca` files. The pin is checked right after the handshake, before any byte of the
 * request — a mismatch sends nothing (FINGERPRINT_MISMATCH).
 */
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { CoreError } from '../errors.js';
import { certFingerprint, sameFingerprint, trustedCas } from '../feed/trust.js';

export interface NodeTlsOptions {
  fingerprint?: string;
  ca?: string[];
}

/** A dispatcher for one agent origin, honouring the pin or the CA trust. */
export async function nodeDispatcher(opts: NodeTlsOptions, timeouts: { bodyMs?: number } = {}): Promise<Dispatcher> {
  const common = { headersTimeout: 120_000, bodyTimeout: timeouts.bodyMs ?? 120_000 };
  if (!opts.fingerprint)
    return new Agent({ connect: { ca: await trustedCas(opts.ca ?? []), rejectUnauthorized: true, timeout: 15_000 }, ...common });
  const pin = opts.fingerprint;
  // chain validation is replaced by the pin, so the connector must not reject the self-signed cert itself
  const base = buildConnector({ rejectUnauthorized: false, timeout: 15_000 });
  const connect: buildConnector.connector = (options, callback) => {
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null);
      const cert = (socket as TLSSocket).getPeerX509Certificate?.();
      const seen = cert ? certFingerprint(cert.raw) : '(none)';
      if (!cert || !sameFingerprint(seen, pin)) {
        socket.destroy();
        return callback(
          new CoreError(
            'FINGERPRINT_MISMATCH',
            `The TLS certificate of ${options.hostname}:${options.port} has fingerprint ${seen}, not the pinned ${pin}. Nothing was sent. If the node's certificate was renewed, read the new one on the node (\`posture-stage agent init --store DIR\` prints it).`,
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
