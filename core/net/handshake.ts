/**
 * The deadline of one TLS connection (TCP connect + handshake), told apart by step: a peer that never
 * accepts is `tcp`, one that accepts and never answers the handshake is `tls` — each an `UNREACHABLE`
 * that states the timeout, never a bare "timed out" that callers would have to call a bug.
 */
import type { TLSSocket } from 'node:tls';
import { CoreError } from '../errors.js';

/** Seconds as people read them ("15 s", "1.5 s"). */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** The UNREACHABLE for a connection to `where` that did not get past `step` within `ms`. */
function handshakeTimeout(step: 'tcp' | 'tls', where: string, ms: number): CoreError {
  return step === 'tcp'
    ? new CoreError(
        'UNREACHABLE',
        `Cannot connect to ${where}: no TCP connection within ${seconds(ms)}. Check the host and port, and that a firewall allows it.`,
        { step: 'tcp', address: where, cause: 'timeout', timeoutMs: ms },
      )
    : new CoreError(
        'UNREACHABLE',
        `${where} accepted the connection but did not answer the TLS handshake within ${seconds(ms)}. Check that this is the agent's HTTPS port (8443 by default) and that nothing in between holds the connection.`,
        { step: 'tls', address: where, cause: 'timeout', timeoutMs: ms },
      );
}

/**
 * Arms the deadline on a TLS socket being connected: after `ms` without 'secureConnect' the socket is
 * destroyed with the step it was stuck at (`connected`: the socket runs over one already connected, as
 * through a proxy's tunnel). Returns the function that disarms it.
 */
export function armHandshakeTimeout(socket: TLSSocket, where: string, ms: number, connected = false): () => void {
  let tcp = connected;
  const onConnect = () => (tcp = true);
  socket.once('connect', onConnect);
  const timer = setTimeout(() => socket.destroy(handshakeTimeout(tcp ? 'tls' : 'tcp', where, ms)), ms);
  const disarm = () => {
    clearTimeout(timer);
    socket.off('connect', onConnect);
    socket.off('secureConnect', disarm);
    socket.off('close', disarm);
  };
  socket.once('secureConnect', disarm);
  socket.once('close', disarm);
  return disarm;
}
