/**
 * The handlers' bridge to the node client (core/transfer): a saved target, its secrets opened from the
 * SecretBox (Electron's safeStorage in the app), becomes the client's NodeTarget directly — address,
 * pin and secrets in memory, no URL to build and parse back. Nothing secret is written to disk for a call.
 */
import type { NodeContentAnswer } from '../../agent/types.js';
import type { CallContext, Diagnostics, NodeView } from '../contract.js';
import { CoreError, toCoreError } from '../../errors.js';
import { parseTarget, testConnection, withNode, type NodeTarget } from '../../transfer/index.js';
import { appText } from '../app-words.js';
import type { AddTarget, OpenTarget } from '../targets-store.js';

/** The SSH agent the app may use (SSH_AUTH_SOCK of its session), or null. */
export function sshAgentSocket(): string | null {
  return process.env.SSH_AUTH_SOCK || null;
}

/** A target (saved, or still in the form) as the node client takes it. */
export function nodeTarget(t: AddTarget): NodeTarget {
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
    ...(t.agent ? { agent: agentOrRefuse(t.name) } : {}),
  };
}

function agentOrRefuse(name: string): string {
  const socket = sshAgentSocket();
  if (!socket)
    throw new CoreError(
      'USAGE',
      `${name} logs in with the SSH agent, but this app sees none (SSH_AUTH_SOCK is not set). Start the app from a session with an agent, or edit the target to use a key file.`,
    );
  return socket;
}

/** The node's status and content state (what Preview diffs against), over one connection; `signal` cancels it on the wire. */
export function nodeContentOf(t: OpenTarget, signal?: AbortSignal): Promise<NodeContentAnswer> {
  const opts = signal ? { signal } : {};
  return withNode(nodeTarget(t), (node) => node.content(opts), opts);
}

/** Status, history, ise-psc.log tail and the bundles kept for ISE of a node, whichever way it is reached, over one connection. */
export function nodeViewOf(t: OpenTarget, logLines = 40, signal?: AbortSignal): Promise<NodeView> {
  const opts = signal ? { signal } : {};
  // independent reads, sent at once (over SSH each is a remote command: one after the other they add up)
  return withNode(
    nodeTarget(t),
    async (node) => {
      const [status, history, logTail, staged] = await Promise.all([
        node.status(opts),
        node.history(opts),
        node.log(logLines, opts),
        // a node that predates staged bundles answers 404 (or an unknown command): it keeps none
        node.staged(opts).catch((e: unknown) => {
          if (CoreError.is(e, 'CANCELLED')) throw e;
          return [];
        }),
      ]);
      return { status, history, logTail, staged };
    },
    opts,
  );
}

/**
 * "Test connection": the node client's step-by-step diagnostics (dns/tcp/tls|ssh/auth, over SSH command/store),
 * each step reported to the call as it ends (the UI draws them live) and worded for the app; the call's cancel
 * stops it (CANCELLED).
 */
export async function diagnoseTarget(t: AddTarget, call?: CallContext): Promise<Diagnostics> {
  const words = (s: Diagnostics['steps'][number], code?: string) => (s.ok ? s : { ...s, message: appText(s.message, code) });
  try {
    const r = await testConnection(nodeTarget(t), {
      ...(call ? { signal: call.signal } : {}),
      onStep: (s) => call?.step({ step: s.step, state: s.ok ? 'done' : 'failed', message: s.ok ? s.message : appText(s.message) }),
    });
    return {
      ok: r.ok,
      steps: r.steps.map((s) => words(s, r.error?.code)),
      ...(r.error ? { error: r.error } : {}),
      ...(r.agentVersion !== undefined ? { agentVersion: r.agentVersion } : {}),
    };
  } catch (e) {
    if (CoreError.is(e, 'CANCELLED')) throw e;
    return { ok: false, steps: [], error: toCoreError(e).toJSON() };
  }
}
