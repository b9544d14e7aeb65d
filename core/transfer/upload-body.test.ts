import { afterAll, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadBody, type WriteQueue } from './upload-body.js';

const dir = mkdtempSync(join(tmpdir(), 'upload-body-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A socket's write queue the test fills and drains by hand. */
class FakeSocket extends EventEmitter implements WriteQueue {
  writableLength = 0;
  destroyed = false;
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

function fileOf(size: number): { file: string; bytes: Buffer } {
  const bytes = randomBytes(size);
  const file = join(dir, `f-${size}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, bytes);
  return { file, bytes };
}

describe('uploadBody', () => {
  it("yields exactly the file's bytes in pieces of at most 1 MiB, two buffers in turn, and counts what the connection took", async () => {
    const size = 3 * 1024 * 1024 + 12345;
    const { file, bytes } = fileOf(size);
    const socket = new FakeSocket();
    const taken: number[] = [];
    const seen: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const piece of uploadBody({ file, size, sockets: new Set([socket]), onTaken: (d) => taken.push(d) })) {
      expect(piece.length).toBeLessThanOrEqual(1024 * 1024);
      buffers.add(piece.buffer);
      seen.push(Buffer.from(piece)); // a copy: the piece is valid until the next is asked for
    }
    expect(Buffer.concat(seen).equals(bytes)).toBe(true);
    expect(buffers.size).toBe(2);
    const MiB = 1024 * 1024;
    expect(taken).toEqual([MiB, 2 * MiB, 3 * MiB, size]);
  });

  it('does not refill a buffer while a socket still holds written bytes: it waits for the drain', async () => {
    const size = 2 * 1024 * 1024 + 1;
    const { file, bytes } = fileOf(size);
    const socket = new FakeSocket();
    const body = uploadBody({ file, size, sockets: new Set([socket]) });
    const first = await body.next();
    expect(first.done).toBe(false);
    const copy = Buffer.from(first.value as Buffer);
    // the connection has not taken the first piece yet
    socket.writableLength = 1024 * 1024;
    let settled = false;
    const second = body.next().then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    // the first piece is still intact while the socket holds it
    expect((first.value as Buffer).equals(copy)).toBe(true);
    socket.drain();
    const r = await second;
    expect((r.value as Buffer).equals(bytes.subarray(1024 * 1024, 2 * 1024 * 1024))).toBe(true);
    await body.return(undefined);
  });

  it('refuses a file that is no longer the size that was checked', async () => {
    const { file } = fileOf(1000);
    const socket = new FakeSocket();
    await expect(async () => {
      for await (const _ of uploadBody({ file, size: 2000, sockets: new Set([socket]) })) void _;
    }).rejects.toThrow(/now 1000 bytes, not the 2000/);
  });

  it('stops at a cancel while it waits for the connection', async () => {
    const size = 2 * 1024 * 1024;
    const { file } = fileOf(size);
    const socket = new FakeSocket();
    const cancel = new AbortController();
    const body = uploadBody({ file, size, sockets: new Set([socket]), signal: cancel.signal });
    await body.next();
    socket.writableLength = 10;
    const next = body.next();
    cancel.abort();
    await expect(next).rejects.toThrow(/cancelled/);
  });

  it('an empty file is one call of onTaken(0) and no piece', async () => {
    const { file } = fileOf(0);
    const taken: number[] = [];
    const pieces: Buffer[] = [];
    for await (const p of uploadBody({ file, size: 0, sockets: new Set(), onTaken: (d) => taken.push(d) })) pieces.push(p);
    expect(pieces).toEqual([]);
    expect(taken).toEqual([0]);
  });
});
