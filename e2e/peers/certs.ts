/**
 * Certificates for test peers, generated in-process: a private CA and server certificates it signs
 * (for a TLS server "behind" a TLS-inspecting proxy, or an agent with an admin-supplied cert).
 */
import { generate } from 'selfsigned';

export interface Pem {
  key: string;
  cert: string;
}

/** A private root CA ("Posture Stage Test Root CA" unless named). */
export async function makeCa(name = 'Posture Stage Test Root CA'): Promise<Pem> {
  const ca = await generate(
    [
      { name: 'commonName', value: name },
      { name: 'organizationName', value: 'Posture Stage Tests' },
    ],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(Date.now() - 86_400_000),
      notAfterDate: new Date(Date.now() + 30 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    },
  );
  return { key: ca.private, cert: ca.cert };
}

export interface ServerCertOptions {
  /** DNS names; 127.0.0.1 is always added as an IP SAN */
  names?: string[];
  notBefore?: Date;
  notAfter?: Date;
  commonName?: string;
}

/** A TLS server certificate for localhost/127.0.0.1, signed by `ca` (or self-signed when ca is omitted). */
export async function makeServerCert(ca?: Pem, opts: ServerCertOptions = {}): Promise<Pem> {
  const names = opts.names ?? ['localhost'];
  const result = await generate([{ name: 'commonName', value: opts.commonName ?? names[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: opts.notBefore ?? new Date(Date.now() - 3_600_000),
    notAfterDate: opts.notAfter ?? new Date(Date.now() + 7 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: '127.0.0.1' }] },
    ],
    ...(ca ? { ca } : {}),
  });
  return { key: result.private, cert: result.cert };
}
