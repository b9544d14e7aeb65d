/** The file-key secret box of `posture-stage ui` (the app's safeStorage box is tested in electron/main). */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSecretBox } from './secrets.js';

describe('secrets', () => {
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
