/**
 * A node's current content, fetched over HTTPS (GET /api/v1/content) or SFTP/SSH
 * (`CMD agent status --store DIR --content --json`), for `diff https://…|sftp://… BUNDLE`.
 */
import type { NodeContentState } from '../bundle/types.js';
import { CoreError } from '../errors.js';
import { agentRequest, resolveToken } from './https-push.js';
import { nodeDispatcher } from './node-tls.js';
import { openSsh, runAgentJson, type SshSession } from './ssh-session.js';
import { parseTarget, shellQuote, type Target } from './target.js';

export interface NodeTargetOptions {
  tokenFile?: string;
  /** the bearer token in memory (instead of tokenFile) */
  token?: string;
  fingerprint?: string;
  identity?: string;
  /** the SSH private key in memory (OpenSSH/PEM text; instead of identity) */
  privateKey?: string | Buffer;
  /** name of the env var holding the SSH password */
  passwordEnv?: string;
  /** the SSH password itself (the CLI fills it from --password-env or a prompt) */
  password?: string;
  passphrase?: string;
  hostKey?: string;
  knownHosts?: string[];
  remoteCommand?: string;
  ca?: string[];
}

/** Resolves the SSH password from `password` or the env var named by `passwordEnv`. */
export function passwordFrom(opts: NodeTargetOptions): string | undefined {
  if (opts.password !== undefined) return opts.password;
  if (!opts.passwordEnv) return undefined;
  const value = process.env[opts.passwordEnv];
  if (value === undefined) throw new CoreError('USAGE', `--password-env ${opts.passwordEnv}: that environment variable is not set.`);
  return value;
}

/** Opens the SSH session to an sftp:// node with the password resolved as `passwordFrom` does. */
export async function openNodeSsh(t: Extract<Target, { kind: 'sftp' }>, opts: NodeTargetOptions): Promise<SshSession> {
  const password = passwordFrom(opts);
  return openSsh(t, { ...opts, ...(password !== undefined ? { password } : {}) });
}

function isState(v: unknown): v is NodeContentState {
  return typeof v === 'object' && v !== null && 'versions' in v && 'components' in v;
}

/** What the node at `target` holds now. */
export async function fetchNodeContent(target: string, opts: NodeTargetOptions = {}): Promise<NodeContentState> {
  const t = parseTarget(target);
  if (t.kind === 'https') {
    const token = await resolveToken(opts);
    const dispatcher = await nodeDispatcher(opts);
    try {
      const doc = await agentRequest(t, dispatcher, token, '/api/v1/content', { method: 'GET' }, opts);
      if (!isState(doc.state)) throw new CoreError('INTERNAL', `${t.display} gave no content state.`);
      return doc.state;
    } finally {
      await dispatcher.close().catch(() => undefined);
    }
  }
  const session = await openNodeSsh(t, opts);
  try {
    const cmd = opts.remoteCommand ?? 'posture-stage';
    const doc = await runAgentJson(session, `${cmd} agent status --store ${shellQuote(t.store)} --content --json`, t.display);
    if (!isState(doc.content)) throw new CoreError('INTERNAL', `${t.display}: \`agent status --content\` gave no content.`);
    return doc.content;
  } finally {
    await session.close();
  }
}
