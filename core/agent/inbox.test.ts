import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { initStore } from './store.js';
import { followInboxFile, inboxPath, receiveUpload } from './inbox.js';
import { storePaths } from './paths.js';
import { sha256 } from './testing.js';

/** Runs `fn` on a fresh store in a temporary folder, removed afterwards. */
async function withStore(fn: (store: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ps-inbox-'));
  try {
    await fn((await initStore(join(dir, 'store'))).store);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('agent verify --follow: the inbox file hashed while it is written', () => {
  it('hashes each final prefix as it is announced and answers size and SHA-256 of the whole file at the end', async () => {
    await withStore(async (store) => {
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
      expect(r).toEqual({ file: '.x.zip.part', size: data.length, sha256: sha256(data) });
    });
  });

  it('is NOT_FOUND for a file that is not there', async () => {
    await withStore(async (store) => {
      await expect(followInboxFile(store, 'missing.zip', (async function* () {})())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
});

describe('an HTTPS upload received into the inbox', () => {
  /** The body as the server hands it over: chunks of the sizes given, then an error if asked. */
  function body(data: Buffer, sizes: number[], fail?: Error): Readable {
    let at = 0;
    let i = 0;
    return new Readable({
      read() {
        if (at >= data.length) return void (fail ? this.destroy(fail) : this.push(null));
        const n = sizes[i++ % sizes.length]!;
        this.push(data.subarray(at, at + n));
        at += n;
      },
    });
  }

  it('keeps exactly the bytes sent, however they were cut, written in batches', async () => {
    await withStore(async (store) => {
      // TLS-record-sized chunks, odd ones, and one larger than a write batch
      const data = randomBytes(5 * 1024 * 1024 + 777);
      const got = await receiveUpload(store, body(data, [16384, 7, 65536, 2_500_000, 12345]), {
        expectedSha256: sha256(data),
        name: 'b.zip',
      });
      expect(got).toMatchObject({ file: 'b.zip', size: data.length, sha256: sha256(data) });
      expect(readFileSync(got.path).equals(data)).toBe(true);
      expect(readdirSync(storePaths(store).inbox)).toEqual(['b.zip']);
    });
  });

  it('keeps nothing when the body breaks off, passes the cap, or is not what was announced', async () => {
    await withStore(async (store) => {
      const data = randomBytes(3 * 1024 * 1024);
      const cut = receiveUpload(store, body(data, [16384], new Error('the client closed the connection mid-upload')), {
        expectedSha256: sha256(data),
      });
      await expect(cut).rejects.toMatchObject({ code: 'TRANSFER_INTERRUPTED', details: { received: data.length } });
      const big = receiveUpload(store, body(data, [16384]), { expectedSha256: sha256(data), maxBytes: 2 * 1024 * 1024 });
      await expect(big).rejects.toMatchObject({ code: 'TOO_LARGE' });
      const other = receiveUpload(store, body(data, [16384]), { expectedSha256: 'f'.repeat(64) });
      await expect(other).rejects.toMatchObject({ code: 'REMOTE_CHECKSUM_MISMATCH', details: { received: sha256(data) } });
      expect(readdirSync(storePaths(store).inbox)).toEqual([]);
    });
  });
});
