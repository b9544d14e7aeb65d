/**
 * core/net against a real TLS server on 127.0.0.1: one certificate fingerprint for PEM text and for the
 * socket's peer certificate, the pin refusing before any request byte, and a diagnosis that says only
 * what the caller's advice says about the peer (no cisco.com or internet ports for a node on the LAN).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { request } from 'undici';
import { makeCa, makeServerCert, type Pem } from '../../e2e/peers/index.js';
import { opensshFingerprint } from '../hash.js';
import { certFingerprint, classifyConnectError, pinnedDispatcher, probeCertificate, sameFingerprint, unreachable } from './index.js';

let server: Server;
let pem: Pem;
let origin: string;
let requests = 0;
const timeouts = { connectMs: 5_000, headersMs: 5_000, bodyMs: 5_000 };

beforeAll(async () => {
  pem = await makeServerCert(await makeCa());
  server = createServer({ key: pem.key, cert: pem.cert }, (_req, res) => {
    requests++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  origin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('certFingerprint', () => {
  it('is the OpenSSH-style SHA-256 of the DER, the same from PEM text and from the peer', async () => {
    const cert = new X509Certificate(pem.cert);
    const fp = certFingerprint(cert);
    expect(fp).toBe(opensshFingerprint(cert.raw));
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect((await probeCertificate(origin)).fingerprint).toBe(fp);
    expect(sameFingerprint(fp, `sha256:${fp.slice(7)}=`)).toBe(true);
  });
});

describe('pinnedDispatcher', () => {
  it('the right pin connects; a wrong pin sends no request and says what to do', async () => {
    const fp = certFingerprint(new X509Certificate(pem.cert));
    const good = await pinnedDispatcher({ fingerprint: fp }, timeouts);
    expect(await (await request(origin, { dispatcher: good })).body.text()).toBe('ok');
    await good.close();
    const before = requests;
    const bad = await pinnedDispatcher(
      { fingerprint: `SHA256:${'A'.repeat(43)}`, mismatchAdvice: 'Read the new pin on the peer.' },
      timeouts,
    );
    const refused = await request(origin, { dispatcher: bad }).catch((e: unknown) => e);
    await bad.close();
    const err = (refused as { cause?: unknown }).cause ?? refused;
    expect(err).toMatchObject({ code: 'FINGERPRINT_MISMATCH', details: { fingerprint: fp } });
    expect((err as Error).message).toContain('Read the new pin on the peer.');
    expect(requests).toBe(before);
  });
});

describe('classifyConnectError', () => {
  it('without advice, an untrusted chain and a dead port name no feed, no internet port and no cisco.com', async () => {
    const untrusted = await request(origin).catch((e: unknown) => e);
    const tls = await classifyConnectError(untrusted, { url: origin, proxy: { url: null, display: null } });
    expect(tls.code).toBe('TLS_UNTRUSTED');
    const closed = await classifyConnectError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), {
      url: 'https://127.0.0.1:1',
      proxy: { url: null, display: null },
    });
    expect(closed.details).toMatchObject({ step: 'tcp', address: '127.0.0.1:1' });
    for (const e of [tls, closed, unreachable('dns', 'The name x could not be resolved.')]) {
      const text = JSON.stringify(e.toJSON());
      expect(text).not.toMatch(/cisco|IdenTrust|UDP 123|Update Feed|Remote Address/);
    }
  });
});
