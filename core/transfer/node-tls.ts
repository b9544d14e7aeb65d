/**
 * TLS to a node agent (interfaces.md `push --fingerprint|--ca`): pinned by the certificate fingerprint
 * `agent init` prints, or verified against the system store plus `--ca`; one set of timeouts for every
 * call to a node, and the words a node's connection failures carry (never the feed's internet advice).
 */
import type { TLSSocket } from 'node:tls';
import type { Dispatcher } from 'undici';
import { pinnedDispatcher } from '../net/pinning.js';
import type { ConnectAdvice } from '../net/diagnose.js';

export interface NodeTlsOptions {
  fingerprint?: string;
  ca?: string[];
}

/** Timeouts of every call to a node: connect (TCP + TLS), time to the answer's headers (an apply may take minutes), body idle time. */
export const NODE_TIMEOUTS = { connectMs: 15_000, headersMs: 15 * 60_000, bodyMs: 120_000 } as const;

/** What a failed connection to a node agent adds to the generic diagnosis. */
export const NODE_ADVICE: ConnectAdvice = {
  untrustedChain:
    'For a node agent, pin its certificate with --fingerprint (printed by `agent init`), or give the CA that issued it with --ca FILE.',
  clock: "If the certificate is current, this computer's or the node's clock is wrong: set it right.",
};

/** A dispatcher for one node agent origin, honouring the pin or the CA trust. */
export function nodeDispatcher(opts: NodeTlsOptions, onSocket?: (socket: TLSSocket) => void): Promise<Dispatcher> {
  return pinnedDispatcher(
    {
      ...opts,
      ...(onSocket ? { onSocket } : {}),
      mismatchAdvice:
        "If the node's certificate was renewed, read the new one on the node (`posture-stage agent init --store DIR` prints it).",
    },
    NODE_TIMEOUTS,
  );
}
