/**
 * The handlers' bridge to core/transfer: a saved target (secrets opened from the SecretBox — Electron's
 * safeStorage in the app) becomes the transfer code's target URL and options. Secrets are handed over
 * in memory (`token`, `privateKey`, `password`): nothing secret is written to disk for a call.
 */
import type { ApplyResult, NodeContentAnswer } from '../../../core/agent/types.js';
import type { Diagnostics, NodeView } from '../../contract.js';
import {
  fetchNodeContent,
  parseTarget,
  readSshNode,
  testConnection,
  type NodeTargetOptions,
  type PushEvent,
  type Target,
} from '../../../core/transfer/index.js';
// per-target pushes (pushBundle shares one set of options across targets; ours each carry their own secrets)
import { pushHttps } from '../../../core/transfer/https-push.js';
import { pushSftp } from '../../../core/transfer/sftp-push.js';
import { CoreError, toCoreError } from '../../../core/errors.js';
import { readAgent } from '../agent-client.js';
import type { OpenTarget } from '../targets-store.js';

export type StepEvent = PushEvent;

/** The target as the transfer code's URL and options, secrets in memory only. */
export function transferArgs(t: OpenTarget): { url: string; opts: NodeTargetOptions } {
  if (t.kind === 'https') return { url: t.url, opts: { token: t.token, fingerprint: t.fingerprint } };
  const url = `sftp://${encodeURIComponent(t.user)}@${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}${t.storePath.startsWith('/') ? '' : '/'}${t.storePath}`;
  return {
    url,
    opts: {
      hostKey: t.hostKey,
      ...(t.remoteCommand ? { remoteCommand: t.remoteCommand } : {}),
      ...(t.privateKey ? { privateKey: t.privateKey.endsWith('\n') ? t.privateKey : `${t.privateKey}\n` } : {}),
      ...(t.passphrase ? { passphrase: t.passphrase } : {}),
      ...(t.password ? { password: t.password } : {}),
    },
  };
}

/** The node's status and content state (what Preview diffs against). */
export async function nodeContentOf(t: OpenTarget): Promise<NodeContentAnswer> {
  const { url, opts } = transferArgs(t);
  if (t.kind === 'https') {
    const [state, agent] = await Promise.all([fetchNodeContent(url, opts), readAgent(t.url, t.token, t.fingerprint, 1)]);
    return { state, status: agent.status };
  }
  // one SSH connection: `agent status --content` gives both the Update Information and the content
  const view = await readSshNode(url, opts, { content: true, history: false, logLines: 0 });
  if (!view.content) throw new CoreError('INTERNAL', `${url}: the node gave no content state.`);
  return { state: view.content, status: view.status };
}

/** Status, history and ise-psc.log tail of a node, whichever way it is reached. */
export async function nodeViewOf(t: OpenTarget, logLines = 40): Promise<NodeView> {
  if (t.kind === 'https') return readAgent(t.url, t.token, t.fingerprint, logLines);
  const { url, opts } = transferArgs(t);
  const { status, history, logTail } = await readSshNode(url, opts, { logLines });
  return { status, history, logTail };
}

/** Uploads and applies one bundle on one target, reporting the transfer's events. */
export async function pushTo(
  t: OpenTarget,
  file: string,
  sha256: string,
  opts: { dryRun: boolean; allowDowngrade: boolean },
  signal: AbortSignal,
  emit: (e: StepEvent) => void,
): Promise<ApplyResult> {
  if (signal.aborted) throw new CoreError('CANCELLED', 'Cancelled before the transfer started; nothing was sent.');
  const { url, opts: o } = transferArgs(t);
  const target: Target = parseTarget(url);
  if (target.kind === 'https') return pushHttps(file, sha256, target, { ...o, ...opts }, emit);
  return pushSftp(file, sha256, target, { ...o, ...opts }, emit);
}

/** "Test connection": the transfer code's step-by-step diagnostics (dns/tcp/proxy/tls/auth). */
export async function diagnoseTarget(t: OpenTarget): Promise<Diagnostics> {
  try {
    const { url, opts } = transferArgs(t);
    const r = await testConnection(url, opts);
    return { ok: r.ok, steps: r.steps, ...(r.error ? { error: r.error } : {}) };
  } catch (e) {
    const err = toCoreError(e);
    return { ok: false, steps: [], error: err.toJSON() };
  }
}
