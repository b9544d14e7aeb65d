/** The feed's words on top of core/net's diagnosis: ISE's troubleshooting text, the internet ports, cisco.com's root. */
import { describe, expect, it } from 'vitest';
import { classifyConnectError, unreachable } from './diagnose.js';

describe('feed advice', () => {
  it("an untrusted chain names cisco.com's root; an unreachable step carries ISE's words and the ports", async () => {
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    // the probe of 127.0.0.1:1 fails; the diagnosis still names the chain's expected root
    const tls = await classifyConnectError(untrusted, { url: 'https://127.0.0.1:1/x', proxy: { url: null, display: null } });
    expect(tls.code).toBe('TLS_UNTRUSTED');
    expect(tls.message).toContain('IdenTrust Commercial Root CA 1');
    const dns = unreachable('dns', 'The name x could not be resolved.');
    expect(dns.message).toContain('Remote Address is not accessible');
    expect(dns.details.hint).toContain('UDP 123');
    expect(unreachable('http', 'The server answered 404.').message).toBe('The server answered 404.');
  });
});
