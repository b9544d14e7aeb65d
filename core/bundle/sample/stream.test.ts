import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../write.js';
import { writeBundleFile } from './stream.js';

describe('writeBundleFile: the sample streamed to a file', () => {
  it('writes the very bytes writeBundle makes in memory, and leaves no spool or temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-sample-'));
    try {
      for (const opts of [{}, { scale: 3, seed: 5 }, { scale: 0.2, versions: { conditions: '280052.0.0.0' } }]) {
        const file = join(dir, 'posture-offline.zip');
        const written = await writeBundleFile(file, opts);
        const bytes = readFileSync(file);
        const expected = Buffer.from(await writeBundle(opts));
        expect(bytes.equals(expected)).toBe(true);
        expect(written).toEqual({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      }
      expect(readdirSync(dir)).toEqual(['posture-offline.zip']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options before writing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-sample-'));
    try {
      await expect(writeBundleFile(join(dir, 'x.zip'), { scale: -1 })).rejects.toMatchObject({ code: 'USAGE' });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
