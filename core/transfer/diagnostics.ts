/**
 * "Test connection": step-by-step diagnostics for a target, stopping at the first failing step
 * (dns → tcp → [proxy] → tls|ssh → auth, and over SSH → command → store), so the admin reads which step
 * failed and what to do. Over SSH the remote command is run (`CMD --version`) and the store path is
 * checked the way a push uses it: a node store that answers `agent status`, with an inbox it may write.
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { CoreError, toCoreError, type ErrorJSON } from '../errors.js';
import { probeCertificate, sameFingerprint, trustedCas } from '../net/trust.js';
import { unreachable } from '../net/diagnose.js';
import { readHostKey, judgeHostKey, hostKeyError } from './host-key.js';
import { withNode } from './connection.js';
import { NODE_TIMEOUTS } from './node-tls.js';
import { cancelled } from './events.js';
import { shellQuote, type NodeTarget, type SshTarget } from './target.js';
import { openSsh, sftpCall, type SshSession } from './ssh-session.js';
import { answers, nodeRefusal, parseAnswer } from './answers.js';

interface DiagnosticStep {
  step: 'dns' | 'tcp' | 'proxy' | 'tls' | 'ssh' | 'auth' | 'http' | 'command' | 'store';
  ok: boolean;
  message: string;
  ms?: number;
}

export interface ConnectionReport {
  ok: boolean;
  steps: DiagnosticStep[];
  failedStep?: DiagnosticStep['step'];
  error?: ErrorJSON;
  /** the agent's version as the node reports it (`NodeStatus.agentVersion`); null from an agent too old to say */
  agentVersion?: string | null;
}

function tcpProbe(host: string, port: number, timeoutMs: number = NODE_TIMEOUTS.connectMs, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const t = setTimeout(() => s.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    const abort = () => s.destroy(cancelled());
    signal?.addEventListener('abort', abort, { once: true });
    s.once('close', () => signal?.removeEventListener('abort', abort));
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** What a caller may give a connection test: `signal` cancels it on the wire; `onStep` hears each step as it ends. */
export interface TestOptions {
  signal?: AbortSignal;
  onStep?: (step: DiagnosticStep) => void;
}

/**
 * Runs the steps for `t` with the same trust and credentials a push would use. A cancel throws CANCELLED
 * (it is not a diagnosis of the node).
 */
export async function testConnection(t: NodeTarget, opts: TestOptions = {}): Promise<ConnectionReport> {
  const { signal } = opts;
  const steps: DiagnosticStep[] = [];
  let agentVersion: string | null | undefined;
  const run = async (step: DiagnosticStep['step'], fn: () => Promise<string>): Promise<void> => {
    if (signal?.aborted) throw cancelled();
    const started = Date.now();
    let done: DiagnosticStep;
    try {
      done = { step, ok: true, message: await fn(), ms: Date.now() - started };
    } catch (e) {
      if (signal?.aborted) throw cancelled();
      const err = toCoreError(e);
      const failed: DiagnosticStep = { step, ok: false, message: err.message, ms: Date.now() - started };
      steps.push(failed);
      opts.onStep?.(failed);
      throw err;
    }
    steps.push(done);
    opts.onStep?.(done);
  };
  try {
    const where = `${t.host}:${t.port}`;
    await run('dns', async () => {
      try {
        const a = await lookup(t.host);
        return `${t.host} resolves to ${a.address}`;
      } catch (e) {
        throw unreachable(
          'dns',
          `The name ${t.host} could not be resolved (${(e as { code?: string }).code ?? 'error'}). Check the name and DNS (UDP 53).`,
          { host: t.host },
        );
      }
    });
    await run('tcp', async () => {
      try {
        await tcpProbe(t.host, t.port, NODE_TIMEOUTS.connectMs, signal);
        return `TCP ${where} accepts connections`;
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'error';
        throw unreachable(
          'tcp',
          `Cannot connect to ${where} (${code}). Check that the ${t.kind === 'https' ? 'agent runs (agent serve, port 8443 by default)' : 'SSH server listens (port 22 by default)'} and that a firewall allows it.`,
          { address: where, cause: code },
        );
      }
    });
    if (t.kind === 'https') {
      await run('tls', async () => {
        const cert = await probeCertificate(t.origin, {
          ca: await trustedCas(t.ca ?? []),
          timeoutMs: NODE_TIMEOUTS.connectMs,
          ...(signal ? { signal } : {}),
        });
        if (t.fingerprint) {
          if (!sameFingerprint(cert.fingerprint, t.fingerprint))
            throw new CoreError(
              'FINGERPRINT_MISMATCH',
              `The certificate of ${where} has fingerprint ${cert.fingerprint}, not the pinned ${t.fingerprint}.`,
              { fingerprint: cert.fingerprint, expected: t.fingerprint },
            );
          return `certificate ${cert.fingerprint} matches the pin`;
        }
        if (cert.authorizationError)
          throw new CoreError(
            'TLS_UNTRUSTED',
            `The certificate "${cert.subject}" issued by "${cert.issuer}" is not trusted (${cert.authorizationError}). Pin it with --fingerprint ${cert.fingerprint} after checking it on the node.`,
            { subject: cert.subject, issuer: cert.issuer, fingerprint: cert.fingerprint },
          );
        return `certificate "${cert.subject}" verified`;
      });
      await run('auth', async () => {
        const opts = signal ? { signal } : {};
        agentVersion = (await withNode(t, (node) => node.status(opts), opts)).agentVersion ?? null;
        return `the agent accepted the token${agentVersion ? `; it runs posture-stage ${agentVersion}` : ''}`;
      });
    } else {
      await run('ssh', async () => {
        const key = await readHostKey(t.host, t.port, NODE_TIMEOUTS.connectMs, signal);
        const verdict = await judgeHostKey(Buffer.from(key.knownHostsLine.split(' ')[2] ?? '', 'base64'), t.host, t.port, t);
        if (verdict.verdict !== 'match') throw hostKeyError(verdict, key.fingerprint, where);
        return `host key ${key.fingerprint} (${key.keyType}) is trusted`;
      });
      let session: SshSession | undefined;
      // the remote command and store checks run over the login: a cancel closes it
      const stop = () => void session?.close();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        await run('auth', async () => {
          session = await openSsh(t, signal);
          return `logged in as ${t.user} and opened SFTP`;
        });
        const open = session as SshSession;
        await run('command', () => remoteCommand(open, t));
        await run('store', async () => {
          const checked = await storeCheck(open, t);
          agentVersion = checked.agentVersion;
          return checked.message;
        });
      } finally {
        signal?.removeEventListener('abort', stop);
        await session?.close();
      }
    }
    return { ok: true, steps, agentVersion };
  } catch (e) {
    if (CoreError.is(e, 'CANCELLED')) throw e;
    const err = toCoreError(e);
    const failed = steps.find((s) => !s.ok);
    return {
      ok: false,
      steps,
      ...(failed ? { failedStep: failed.step } : {}),
      error: err.toJSON(),
      ...(agentVersion !== undefined ? { agentVersion } : {}),
    };
  }
}

const commandOf = (t: SshTarget) => t.remoteCommand ?? 'posture-stage';

/** `CMD --version` over the SSH connection: the remote command exists and runs. */
async function remoteCommand(session: SshSession, t: SshTarget): Promise<string> {
  const cmd = commandOf(t);
  const r = await session.exec(`${cmd} --version`);
  const out = r.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (r.code === 127)
    throw new CoreError(
      'NOT_FOUND',
      `The remote command ${cmd} was not found on the node. Install the node kit there, or correct the remote command.`,
      {
        command: cmd,
        stderr: r.stderr.trim().slice(-300),
      },
    );
  if (r.code !== 0 || !/^[0-9][A-Za-z0-9.+~-]{0,63}$/.test(out))
    throw new CoreError(
      'NOT_FOUND',
      `The remote command ${cmd} did not answer like posture-stage (exit ${r.code ?? 'none'}${out ? `, printed "${out.slice(0, 80)}"` : ''}). Correct the remote command.`,
      { command: cmd, exitCode: r.code, stderr: r.stderr.trim().slice(-300) },
    );
  return `${cmd} runs (posture-stage ${out})`;
}

/** The store path is a node store (`agent status` answers) whose inbox this login may write. */
async function storeCheck(session: SshSession, t: SshTarget): Promise<{ message: string; agentVersion: string | null }> {
  const store = t.store.replace(/\/+$/, '');
  const where = `${t.user}@${t.host}:${t.port}`;
  const r = await session.exec(`${commandOf(t)} agent status --store ${shellQuote(store)} --json`);
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw new CoreError(
      'INTERNAL',
      `The node's agent gave no answer about the store ${store} (exit ${r.code ?? 'none'}). ${r.stderr.trim().slice(-300)}`,
      {
        store,
      },
    );
  }
  const refusal = nodeRefusal(doc, where);
  if (refusal) throw refusal;
  const status = parseAnswer(answers.status, doc, 'status', where);
  const inbox = `${store}/inbox`;
  const probe = `${inbox}/.write-test-${process.pid}-${Date.now()}`;
  try {
    const handle = await sftpCall<Buffer>(session, (cb) => session.sftp.open(probe, 'w', cb));
    await sftpCall<void>(session, (cb) => session.sftp.close(handle, (err) => cb(err, undefined)));
    await sftpCall<void>(session, (cb) => session.sftp.unlink(probe, (err) => cb(err, undefined)));
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/No such file/i.test(msg))
      throw new CoreError('NOT_FOUND', `The store ${store} has no inbox folder (${inbox}). Initialise the store on the node again.`, {
        inbox,
      });
    throw new CoreError('AUTH_FAILED', `${t.user} may not write the store's inbox ${inbox} (${msg}). Give that user write access to it.`, {
      inbox,
    });
  }
  const version = status.agentVersion ?? null;
  return {
    message: `${store} is a node store${status.name ? ` (${status.name})` : ''}; ${t.user} may write its inbox${version ? `; agent ${version}` : ''}`,
    agentVersion: version,
  };
}
