/**
 * Reads from a node agent's HTTPS API (interfaces.md "Node agent HTTPS API") with the target's pinned
 * certificate: the TLS handshake is refused unless the leaf's SHA-256 matches the pin, so a token is
 * never sent to a node that is not the one the admin confirmed.
 */
import { request } from 'undici';
import { nodeDispatcher } from '../../core/transfer/node-tls.js';
import type { HistoryEntry, NodeStatus } from '../../core/agent/types.js';
import { CoreError, isErrorCode } from '../../core/errors.js';

async function get(base: string, path: string, token: string, fingerprint: string): Promise<string> {
  const dispatcher = await nodeDispatcher({ fingerprint });
  try {
    const res = await request(new URL(path, base), {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      dispatcher,
      headersTimeout: 15_000,
      bodyTimeout: 30_000,
    });
    const body = await res.body.text();
    if (res.statusCode >= 400) {
      let err: { code?: string; message?: string } = {};
      try {
        err = (JSON.parse(body) as { error?: typeof err }).error ?? {};
      } catch {
        /* not JSON */
      }
      const code = isErrorCode(err.code) ? err.code : 'UNREACHABLE';
      throw new CoreError(code, err.message ?? `The node answered HTTP ${res.statusCode} for ${path}.`, {
        status: res.statusCode,
        step: 'http',
      });
    }
    return body;
  } catch (e) {
    if (e instanceof CoreError) throw e;
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof CoreError) throw cause;
    const code = (e as { code?: string }).code;
    throw new CoreError(
      'UNREACHABLE',
      `Cannot reach the node at ${base} (${code ?? (e as Error).message}). Check that the agent runs and the address and port are right.`,
      { url: base, step: code === 'ECONNREFUSED' ? 'tcp' : code === 'ENOTFOUND' ? 'dns' : 'tls' },
    );
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/** Status, recent history and the log tail of one HTTPS node. */
export async function readAgent(
  base: string,
  token: string,
  fingerprint: string,
  logLines = 40,
): Promise<{ status: NodeStatus; history: HistoryEntry[]; logTail: string[] }> {
  const status = JSON.parse(await get(base, '/api/v1/status', token, fingerprint)) as NodeStatus & { ok?: boolean };
  const history = (JSON.parse(await get(base, '/api/v1/history', token, fingerprint)) as { updates?: HistoryEntry[] }).updates ?? [];
  const log = await get(base, `/api/v1/log?lines=${logLines}`, token, fingerprint);
  delete status.ok;
  return { status, history, logTail: log.split('\n').filter((l) => l.trim() !== '') };
}
