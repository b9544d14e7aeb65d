/**
 * The agent's TLS (issue 8 §7): TLS 1.2+ with AEAD ciphers only. Each refused client is first shown to
 * connect to a permissive TLS server holding the same certificate, so a refusal is the agent's doing and
 * not a client that could not have spoken that protocol anyway.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions, type Server } from 'node:tls';
import { initStore, startAgentServer, type AgentServer } from './index.js';
import { storePaths } from './paths.js';

let dir: string;
let agent: AgentServer;
let permissive: Server;
let permissivePort: number;

/** Handshakes and reports the protocol and cipher, or the error that ended it. */
function handshake(
  port: number,
  opts: ConnectionOptions,
): Promise<{ ok: true; protocol: string | null; cipher: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts }, () => {
      const result = { ok: true as const, protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.destroy();
      resolve(result);
    });
    socket.on('error', (e) => resolve({ ok: false, error: e.message }));
  });
}

// an old client: TLS 1.1 only (OpenSSL's default security level would not even offer it)
const TLS11: ConnectionOptions = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' };
// a TLS 1.2 client that offers CBC suites only
const CBC12: ConnectionOptions = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.2',
  ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA',
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-tls-'));
  const { store } = await initStore(join(dir, 'node'));
  agent = await startAgentServer({ store, port: 0, log: () => undefined });
  const p = storePaths(store);
  permissive = createServer({
    key: await readFile(p.key),
    cert: await readFile(p.cert),
    minVersion: 'TLSv1',
    ciphers: 'ALL:@SECLEVEL=0',
  });
  permissive.on('secureConnection', (s) => s.end());
  permissive.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => permissive.listen(0, '127.0.0.1', r));
  permissivePort = (permissive.address() as { port: number }).port;
});
afterAll(async () => {
  await agent.close();
  await new Promise((r) => permissive.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe("the agent's TLS", () => {
  it('refuses a TLS 1.1 client (which a permissive server accepts)', async () => {
    expect(await handshake(permissivePort, TLS11)).toMatchObject({ ok: true, protocol: 'TLSv1.1' });
    const r = await handshake(agent.port, TLS11);
    expect(r.ok).toBe(false);
    console.log(`TLS 1.1 client: ${'error' in r ? r.error : ''}`);
  });

  it('refuses a TLS 1.2 client offering only CBC ciphers (which a permissive server accepts)', async () => {
    expect(await handshake(permissivePort, CBC12)).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: expect.stringMatching(/-SHA/) });
    const r = await handshake(agent.port, CBC12);
    expect(r.ok).toBe(false);
    console.log(`CBC-only TLS 1.2 client: ${'error' in r ? r.error : ''}`);
  });

  it('serves TLS 1.2 with ECDHE + AES-GCM or ChaCha20-Poly1305, and TLS 1.3', async () => {
    expect(await handshake(agent.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toMatchObject({
      ok: true,
      protocol: 'TLSv1.2',
      cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    expect(await handshake(agent.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' })).toMatchObject({
      ok: true,
      cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305',
    });
    // a default client gets TLS 1.3
    expect(await handshake(agent.port, {})).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });
});
