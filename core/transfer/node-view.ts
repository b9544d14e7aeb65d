/**
 * What the app's node panel shows for an SFTP target — Update Information, history and the tail of
 * `ise-psc.log` — read over one SSH connection with the node's own CLI (interfaces.md: `agent status`,
 * `agent history --json`, `agent log --lines N --json`), as the HTTPS API gives them for `https://` nodes.
 */
import type { NodeContentState } from '../bundle/types.js';
import type { HistoryEntry, NodeStatus } from '../agent/types.js';
import { CoreError } from '../errors.js';
import { openNodeSsh, type NodeTargetOptions } from './node-content.js';
import { runAgentJson } from './ssh-session.js';
import { parseTarget, shellQuote } from './target.js';

export interface SshNodeView {
  status: NodeStatus;
  /** newest first; empty when not asked for */
  history: HistoryEntry[];
  /** the last lines of the node's ise-psc.log; empty when not asked for */
  logTail: string[];
  /** the installed content (for Preview's diff), when asked for */
  content?: NodeContentState;
}

export interface SshNodeViewOptions {
  /** lines of ise-psc.log (default 40; 0 skips the log) */
  logLines?: number;
  /** read the history too (default true) */
  history?: boolean;
  /** add the installed content (`agent status --content`) */
  content?: boolean;
}

/** Reads status, history and log tail of an `sftp://user@host[:22]/store` node over one SSH connection. */
export async function readSshNode(target: string, opts: NodeTargetOptions = {}, want: SshNodeViewOptions = {}): Promise<SshNodeView> {
  const t = parseTarget(target);
  if (t.kind !== 'sftp') throw new CoreError('USAGE', `${t.display} is not an sftp:// target; read HTTPS nodes through their API.`);
  const logLines = want.logLines ?? 40;
  if (!Number.isInteger(logLines) || logLines < 0) throw new CoreError('USAGE', 'logLines must be a non-negative integer.');
  const session = await openNodeSsh(t, opts);
  const cmd = opts.remoteCommand ?? 'posture-stage';
  const store = shellQuote(t.store);
  try {
    const {
      ok: _ok,
      content,
      verify: _verify,
      ...status
    } = await runAgentJson(session, `${cmd} agent status --store ${store}${want.content ? ' --content' : ''} --json`, t.display);
    void _ok;
    void _verify;
    if (want.content && (typeof content !== 'object' || content === null))
      throw new CoreError('INTERNAL', `${t.display}: \`agent status --content\` gave no content.`);
    let history: HistoryEntry[] = [];
    if (want.history !== false) {
      const doc = await runAgentJson(session, `${cmd} agent history --store ${store} --json`, t.display);
      history = Array.isArray(doc.updates) ? (doc.updates as HistoryEntry[]) : [];
    }
    let logTail: string[] = [];
    if (logLines > 0) {
      const doc = await runAgentJson(session, `${cmd} agent log --store ${store} --lines ${logLines} --json`, t.display);
      logTail = Array.isArray(doc.lines) ? (doc.lines as unknown[]).map(String) : [];
    }
    return { status: status as unknown as NodeStatus, history, logTail, ...(want.content ? { content: content as NodeContentState } : {}) };
  } finally {
    await session.close();
  }
}
