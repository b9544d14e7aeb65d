/**
 * The node's self-signed TLS identity (interfaces.md: "TLS always (the store's self-signed cert …)").
 * Clients pin its SHA-256 fingerprint, so the names in it matter only for clients that verify by CA.
 */
import { hostname, networkInterfaces } from 'node:os';
import { generate } from 'selfsigned';

/** A fresh EC P-256 key and a 10-year self-signed cert naming this host and its local addresses. */
export async function generateTls(name: string): Promise<{ key: string; cert: string }> {
  const dns = [...new Set(['localhost', hostname(), name].filter((n) => /^[A-Za-z0-9.-]+$/.test(n)))];
  const ips = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) ips.add(i.address.split('%')[0]!);
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 3650 * 86_400_000);
  const pems = await generate(
    [
      { name: 'commonName', value: name.slice(0, 64) || 'posture-stage-agent' },
      { name: 'organizationName', value: 'Posture Stage node agent' },
    ],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [...dns.map((value) => ({ type: 2 as const, value })), ...[...ips].map((ip) => ({ type: 7 as const, ip }))],
        },
      ],
    },
  );
  return { key: pems.private, cert: pems.cert };
}

/**
 * What the agent's TLS accepts (issue 8 §7): TLS 1.2 and 1.3, AEAD ciphers only, forward secrecy only.
 * TLS 1.3's suites are all AEAD; for 1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305 (ECDSA for the
 * store's own P-256 cert, RSA for an admin-supplied one). No CBC, no static RSA key exchange.
 */
export const AGENT_TLS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const;
