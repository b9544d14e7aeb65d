/** Secret boxes: safeStorage faked at its edge (an XOR "keychain"), and the file-key box for `ui`. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSecretBox, safeStorageBox, type SafeStorageLike } from './secrets.js';

const fakeSafeStorage = (available: boolean): SafeStorageLike => ({
  isEncryptionAvailable: () => available,
  encryptString: (s) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
  decryptString: (b) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
});

describe('secrets', () => {
  it('uses safeStorage when the OS offers encryption, and not otherwise', () => {
    const box = safeStorageBox(fakeSafeStorage(true));
    expect(box?.kind).toBe('safeStorage');
    const sealed = box!.seal('token-123');
    expect(sealed).not.toContain('token-123');
    expect(box!.open(sealed)).toBe('token-123');
    expect(safeStorageBox(fakeSafeStorage(false))).toBeNull();
  });

  it('file box: 0600 key, round trip, tampering refused with a plain message', () => {
    const home = mkdtempSync(join(tmpdir(), 'ps-secrets-'));
    const box = fileSecretBox(home);
    const sealed = box.seal('hunter2');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toBe('hunter2');
    expect(statSync(join(home, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(fileSecretBox(home).open(sealed)).toBe('hunter2');
    const raw = Buffer.from(sealed, 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(raw.toString('base64'))).toThrow(/could not be decrypted/);
    writeFileSync(join(home, 'secret.key'), Buffer.alloc(32, 1).toString('base64'));
    expect(() => fileSecretBox(home).open(sealed)).toThrow(expect.objectContaining({ code: 'AUTH_FAILED' }));
  });
});
