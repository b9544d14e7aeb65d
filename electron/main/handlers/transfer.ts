/**
 * The handlers' bridge to core/transfer: a saved target (secrets opened from the SecretBox) becomes
 * the transfer code's target URL and options. The transfer code reads tokens and keys from files
 * (as the CLI's --token-file/--identity), so secrets are written for the call's duration only into a
 * private 0700 folder under the data folder and removed right after.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplyResult, NodeContentAnswer } from '../../../core/agent/types.js';
import type { Diagnostics } from '../../contract.js';
import { fetchNodeContent, parseTarget, testConnection, type NodeTargetOptions, type PushEvent, type Target } from '../../../core/transfer/index.js';
// per-target pushes (pushBundle shares one set of options across targets; ours each carry their own secrets)
import { pushHttps } from '../../../core/transfer/https-push.js';
import { pushSftp } from '../../../core/transfer/sftp-push.js';
import { CoreError, toCoreError } from '../../../core/errors.js';
import { readAgent } from '../agent-client.js';
import type { OpenTarget } from '../targets-store.js';

export type StepEvent = PushEvent;

/** Runs `fn` with the target as a URL and options, secrets in short-lived 0600 files under `secretRoot`. */
async function withTarget<T>(secretRoot: string, t: OpenTarget, fn: (url: string, opts: NodeTargetOptions & { password?: string }) => Promise<T>): Promise<T> {
  await mkdir(secretRoot, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(secretRoot, 'call-'));
  try {
    if (t.kind === 'https') {
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, t.token, { mode: 0o600 });
      return await fn(t.url, { tokenFile, fingerprint: t.fingerprint });
    }
    const opts: NodeTargetOptions & { password?: string } = { hostKey: t.hostKey, ...(t.remoteCommand ? { remoteCommand: t.remoteCommand } : {}) };
    if (t.privateKey) {
      opts.identity = join(dir, 'identity');
      await writeFile(opts.identity, t.privateKey.endsWith('\n') ? t.privateKey : `${t.privateKey}\n`, { mode: 0o600 });
    }
    if (t.password) opts.password = t.password;
    const url = `sftp://${encodeURIComponent(t.user)}@${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}${t.storePath.startsWith('/') ? '' : '/'}${t.storePath}`;
    return await fn(url, opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The node's status and content state (what Preview diffs against). */
export async function nodeContentOf(secretRoot: string, t: OpenTarget): Promise<NodeContentAnswer> {
  if (t.kind === 'https') {
    const [state, agent] = await withTarget(secretRoot, t, async (url, opts) => Promise.all([fetchNodeContent(url, opts), readAgent(t.url, t.token, t.fingerprint, 1)]));
    return { state, status: agent.status };
  }
  const state = await withTarget(secretRoot, t, (url, opts) => fetchNodeContent(url, opts));
  return {
    state,
    status: { versions: state.versions, lastSuccessfulUpdate: null, lastUpdateStatus: '', updateMode: 'Offline', defaultPoliciesCreated: false, updating: false },
  };
}

/** Uploads and applies one bundle on one target, reporting the transfer's events. */
export async function pushTo(secretRoot: string, t: OpenTarget, file: string, sha256: string, opts: { dryRun: boolean; allowDowngrade: boolean }, signal: AbortSignal, emit: (e: StepEvent) => void): Promise<ApplyResult> {
  if (signal.aborted) throw new CoreError('CANCELLED', 'Cancelled before the transfer started; nothing was sent.');
  return withTarget(secretRoot, t, async (url, o) => {
    const target: Target = parseTarget(url);
    if (target.kind === 'https') return pushHttps(file, sha256, target, { ...o, ...opts }, emit);
    return pushSftp(file, sha256, target, { ...o, ...opts }, emit);
  });
}

/** "Test connection": the transfer code's step-by-step diagnostics (dns/tcp/proxy/tls/auth). */
export async function diagnoseTarget(secretRoot: string, t: OpenTarget): Promise<Diagnostics> {
  try {
    return await withTarget(secretRoot, t, async (url, opts) => {
      const r = await testConnection(url, opts);
      return { ok: r.ok, steps: r.steps, ...(r.error ? { error: r.error } : {}) };
    });
  } catch (e) {
    const err = toCoreError(e);
    return { ok: false, steps: [], error: err.toJSON() };
  }
}
