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
