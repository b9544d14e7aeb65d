/**
 * The app's SecretBox on Electron's safeStorage (the OS keychain), handed to the application layer
 * (core/app) by main/index.ts; where the OS offers no encryption the shell falls back to core/app's file box.
 */
import type { SecretBox } from '../../core/app/secrets.js';

/** The subset of Electron's safeStorage we use (faked at this edge in tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** safeStorage-backed box; null when the OS offers no encryption (then use fileSecretBox). */
export function safeStorageBox(safeStorage: SafeStorageLike): SecretBox | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  return {
    kind: 'safeStorage',
    seal: (plain) => safeStorage.encryptString(plain).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
