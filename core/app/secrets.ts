/**
 * Secrets at rest (node API tokens, SSH passwords and keys, proxy password) behind one interface.
 * In the app: Electron's safeStorage (OS keychain, electron/main/safe-storage.ts), injected by the shell
 * so the application layer never imports electron. In `posture-stage ui` (no keychain): AES-256-GCM with
 * a 0600 key file in the data folder, which protects against copying the settings file alone, not
 * against the same user account.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CoreError } from '../errors.js';
import { isPermissionError, permissionDenied } from '../file-errors.js';

/** Seals and opens secrets; the sealed form is a string safe to store in JSON. */
export interface SecretBox {
  kind: 'safeStorage' | 'file';
  seal(plain: string): string;
  open(sealed: string): string;
}

/** A key file under the data folder (mode 0600), created on first use. */
export function fileSecretBox(home: string): SecretBox {
  const keyFile = join(home, 'secret.key');
  let key: Buffer | null = null;
  const getKey = (): Buffer => {
    if (key) return key;
    try {
      key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    } catch (e) {
      if (isPermissionError(e)) throw permissionDenied(keyFile, 'The key file', 'read', e);
      key = randomBytes(32);
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    return key;
  };
  return {
    kind: 'file',
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', getKey(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed) {
      const raw = Buffer.from(sealed, 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', getKey(), raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new CoreError(
          'AUTH_FAILED',
          `A stored secret could not be decrypted (key file ${keyFile} changed). Edit the target and enter its credentials again.`,
        );
      }
    },
  };
}
