/**
 * The handlers' bridge to the node client (core/transfer): a saved target, its secrets opened from the
 * SecretBox (Electron's safeStorage in the app), becomes the client's NodeTarget directly — address,
 * pin and secrets in memory, no URL to build and parse back. Nothing secret is written to disk for a call.
 */
import type { NodeContentAnswer } from '../../agent/types.js';
import type { Diagnostics, NodeView } from '../contract.js';
import { CoreError, toCoreError } from '../../errors.js';
import { parseTarget, testConnection, withNode, type NodeTarget } from '../../transfer/index.js';
import type { OpenTarget } from '../targets-store.js';

/** The saved target as the node client takes it. */
export function nodeTarget(t: OpenTarget): NodeTarget {
  if (t.kind === 'https') {
    const address = parseTarget(t.url);
    if (address.kind !== 'https') throw new CoreError('USAGE', `The target ${t.name} has no https:// address; edit it.`);
    return { ...address, token: t.token, fingerprint: t.fingerprint };
  }
  return {
    kind: 'sftp',
    host: t.host,
    port: t.port,
    user: t.user,
    store: t.storePath.startsWith('/') ? t.storePath : `/${t.storePath}`,
    hostKey: t.hostKey,
    ...(t.remoteCommand ? { remoteCommand: t.remoteCommand } : {}),
    // OpenSSH keys pasted into a form may have lost their final newline, which ssh2 needs
    ...(t.privateKey ? { privateKey: t.privateKey.endsWith('\n') ? t.privateKey : `${t.privateKey}\n` } : {}),
    ...(t.privateKey && t.passphrase ? { passphrase: t.passphrase } : {}),
    ...(t.password ? { password: t.password } : {}),
  };
}

/** The node's status and content state (what Preview diffs against), over one connection. */
export function nodeContentOf(t: OpenTarget): Promise<NodeContentAnswer> {
  return withNode(nodeTarget(t), (node) => node.content());
}

/** Status, history, ise-psc.log tail and the bundles kept for ISE of a node, whichever way it is reached, over one connection. */
export function nodeViewOf(t: OpenTarget, logLines = 40): Promise<NodeView> {
  // independent reads, sent at once (over SSH each is a remote command: one after the other they add up)
  return withNode(nodeTarget(t), async (node) => {
    const [status, history, logTail, staged] = await Promise.all([
      node.status(),
      node.history(),
      node.log(logLines),
      // a node that predates staged bundles answers 404 (or an unknown command): it keeps none
      node.staged().catch(() => []),
    ]);
    return { status, history, logTail, staged };
  });
}

/** "Test connection": the node client's step-by-step diagnostics (dns/tcp/tls|ssh/auth). */
export async function diagnoseTarget(t: OpenTarget): Promise<Diagnostics> {
  try {
    const r = await testConnection(nodeTarget(t));
    return { ok: r.ok, steps: r.steps, ...(r.error ? { error: r.error } : {}) };
  } catch (e) {
    return { ok: false, steps: [], error: toCoreError(e).toJSON() };
  }
}
