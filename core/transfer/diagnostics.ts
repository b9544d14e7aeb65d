/**
 * "Test connection": step-by-step diagnostics for a target, stopping at the first failing step
 * (dns → tcp → [proxy] → tls|ssh → auth), so the admin reads which step failed and what to do.
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
import type { NodeTarget } from './target.js';

interface DiagnosticStep {
  step: 'dns' | 'tcp' | 'proxy' | 'tls' | 'ssh' | 'auth' | 'http';
  ok: boolean;
  message: string;
  ms?: number;
}

export interface ConnectionReport {
  ok: boolean;
  steps: DiagnosticStep[];
  failedStep?: DiagnosticStep['step'];
  error?: ErrorJSON;
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
        await withNode(t, (node) => node.status(signal ? { signal } : {}), signal ? { signal } : {});
        return 'the agent accepted the token';
      });
    } else {
      await run('ssh', async () => {
        const key = await readHostKey(t.host, t.port, NODE_TIMEOUTS.connectMs, signal);
        const verdict = await judgeHostKey(Buffer.from(key.knownHostsLine.split(' ')[2] ?? '', 'base64'), t.host, t.port, t);
        if (verdict.verdict !== 'match') throw hostKeyError(verdict, key.fingerprint, where);
        return `host key ${key.fingerprint} (${key.keyType}) is trusted`;
      });
      await run('auth', async () => {
        await withNode(t, async () => undefined, signal ? { signal } : {});
        return `logged in as ${t.user} and opened SFTP`;
      });
    }
    return { ok: true, steps };
  } catch (e) {
    if (CoreError.is(e, 'CANCELLED')) throw e;
    const err = toCoreError(e);
    const failed = steps.find((s) => !s.ok);
    return { ok: false, steps, ...(failed ? { failedStep: failed.step } : {}), error: err.toJSON() };
  }
}
