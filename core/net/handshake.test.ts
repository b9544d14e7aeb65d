/**
 * A peer that accepts TCP and never answers the TLS handshake (a wrong port, a stuck middlebox) ends as
 * UNREACHABLE at step `tls` naming the timeout — from the pinned dispatcher a node call uses, from the CA
 * one, and from the certificate probe of first contact — never a bare "timed out" error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { request } from 'undici';
import { CoreError } from '../errors.js';
import { pinnedDispatcher, probeCertificate } from './index.js';

let server: Server;
let origin: string;
const held: Socket[] = [];
const timeouts = { connectMs: 400, headersMs: 5_000, bodyMs: 5_000 };

beforeAll(async () => {
  // accepts every connection and never writes a byte
  server = createServer((s) => {
    held.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  origin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => server.close(r));
});

/** The error a call rejected with, unwrapped from undici's cause when it wraps ours. */
async function failure(p: Promise<unknown>): Promise<CoreError> {
  const e: unknown = await p.then(
    () => new Error('expected a failure'),
    (x: unknown) => x,
  );
  const cause = (e as { cause?: unknown }).cause;
  if (e instanceof CoreError) return e;
  if (cause instanceof CoreError) return cause;
  throw e;
}

describe('a TLS handshake that never answers', () => {
  it('is UNREACHABLE at step tls, with the timeout stated, through a pinned and a CA dispatcher', async () => {
    for (const opts of [{ fingerprint: `SHA256:${'A'.repeat(43)}` }, {}]) {
      const dispatcher = await pinnedDispatcher(opts, timeouts);
      const e = await failure(request(`${origin}/api/v1/status`, { dispatcher }));
      expect(e.code).toBe('UNREACHABLE');
      expect(e.details).toMatchObject({ step: 'tls', cause: 'timeout', timeoutMs: 400 });
      expect(e.message).toContain('did not answer the TLS handshake within 0.4 s');
      await dispatcher.close();
    }
  });

  it('is UNREACHABLE at step tls from the certificate probe of first contact', async () => {
    const e = await failure(probeCertificate(origin, { timeoutMs: 300 }));
    expect(e.code).toBe('UNREACHABLE');
    expect(e.details).toMatchObject({ step: 'tls', timeoutMs: 300 });
    expect(e.message).toMatch(/within 0\.3 s/);
  });

  it('stops at once when cancelled, with CANCELLED', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const probing = failure(probeCertificate(origin, { timeoutMs: 10_000, signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    const e = await probing;
    expect(e.code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
