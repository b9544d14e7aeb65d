/** The app's secret box: Electron's safeStorage faked at its edge (an XOR "keychain"). */
import { describe, expect, it } from 'vitest';
import { safeStorageBox, type SafeStorageLike } from './safe-storage.js';

const fakeSafeStorage = (available: boolean): SafeStorageLike => ({
  isEncryptionAvailable: () => available,
  encryptString: (s) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
  decryptString: (b) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
});

describe('safeStorage box', () => {
  it('uses safeStorage when the OS offers encryption, and not otherwise', () => {
    const box = safeStorageBox(fakeSafeStorage(true));
    expect(box?.kind).toBe('safeStorage');
    const sealed = box!.seal('token-123');
    expect(sealed).not.toContain('token-123');
    expect(box!.open(sealed)).toBe('token-123');
    expect(safeStorageBox(fakeSafeStorage(false))).toBeNull();
  });
});
