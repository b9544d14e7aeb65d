import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initStore } from './store.js';
import { followInboxFile, inboxPath } from './inbox.js';

describe('agent verify --follow: the inbox file hashed while it is written', () => {
  it('hashes each final prefix as it is announced and answers size and SHA-256 of the whole file at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-follow-'));
    try {
      const { store } = await initStore(join(dir, 'store'));
      const data = randomBytes(5 * 1024 * 1024 + 123);
      const file = inboxPath(store, '.x.zip.part');
      const fh = await open(file, 'w');
      // writes land out of order, as pipelined SFTP writes do; only prefixes already written are announced
      const chunk = 256 * 1024;
      const starts = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => i * chunk);
      async function* announced(): AsyncGenerator<number> {
        for (let i = 0; i < starts.length; i += 2) {
          const pair = starts.slice(i, i + 2).reverse();
          for (const at of pair) await fh.write(data, at, Math.min(chunk, data.length - at), at);
          yield Math.min(starts[i]! + 2 * chunk, data.length);
        }
        await fh.close();
      }
      const r = await followInboxFile(store, '.x.zip.part', announced());
      expect(r).toEqual({ file: '.x.zip.part', size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is NOT_FOUND for a file that is not there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-follow-'));
    try {
      const { store } = await initStore(join(dir, 'store'));
      await expect(followInboxFile(store, 'missing.zip', (async function* () {})())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
