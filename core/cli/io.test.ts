import { describe, expect, it } from 'vitest';
import { CoreError } from '../errors.js';
import { errorDocument, runCommand, type Output } from './io.js';

function capture(): Output & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    stderrIsTTY: false,
    out: (s: string) => void (o.stdout += s),
    err: (s: string) => void (o.stderr += s),
  };
  return o;
}

describe('runCommand / errorDocument', () => {
  it('a refusal prints one JSON document with the code, message and details, and exits 2', async () => {
    const o = capture();
    const code = await runCommand(
      true,
      async () => {
        throw new CoreError('CHECKSUM_MISMATCH', 'x.xml has the wrong SHA-256; download it again.', { entry: 'x.xml' });
      },
      o,
    );
    expect(code).toBe(2);
    expect(JSON.parse(o.stdout)).toEqual({
      ok: false,
      error: { code: 'CHECKSUM_MISMATCH', message: 'x.xml has the wrong SHA-256; download it again.', entry: 'x.xml' },
    });
    expect(o.stderr).toBe('');
  });

  it('details never replace the code or the message (e.g. details relayed from a node)', () => {
    const doc = errorDocument(
      new CoreError('UNREACHABLE', 'The node did not answer; check the address.', {
        code: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED',
        step: 'tcp',
      }),
    );
    expect(doc).toEqual({ ok: false, error: { code: 'UNREACHABLE', message: 'The node did not answer; check the address.', step: 'tcp' } });
  });

  it('anything that is not a CoreError is INTERNAL, exit 1, without a stack trace', async () => {
    const o = capture();
    const code = await runCommand(
      false,
      async () => {
        throw new TypeError('boom');
      },
      o,
    );
    expect(code).toBe(1);
    expect(o.stderr).toMatch(/^error INTERNAL: /);
    expect(o.stderr).not.toMatch(/\n\s+at /);
  });
});
