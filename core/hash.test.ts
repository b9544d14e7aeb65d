import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile, opensshFingerprint } from './hash.js';

describe('hash', () => {
  it('hashes a file by streaming, with its size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-hash-'));
    try {
      const file = join(dir, 'f');
      writeFileSync(file, 'abc');
      expect(await hashFile(file)).toEqual({ sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', size: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a key fingerprint exactly as ssh-keygen -l does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-hash-'));
    try {
      const key = join(dir, 'k');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      const blob = Buffer.from(
        execFileSync('cat', [`${key}.pub`])
          .toString()
          .split(' ')[1] ?? '',
        'base64',
      );
      const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`])
        .toString()
        .split(' ')[1];
      expect(opensshFingerprint(blob)).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
