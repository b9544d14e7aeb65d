/**
 * The inflating worker gives every entry the very outcome inflateEntryTo gives on this thread: the same
 * bytes in the same order, the same size and SHA-256, and the same refusal (code and details) for every
 * kind of damage, whatever reached the sink first. Entries are real files read through a descriptor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { CoreError } from '../../errors.js';
import { inflateEntryTo, type Cap, type ChunkSink, type InflateJob } from './inflate.js';
import { InflateWorker } from './inflate-worker.js';

/** Hex text: deflates to about half, so its compressed data is well past the size inflated on this thread. */
const text = (size: number): Buffer => Buffer.from(randomBytes(size / 2).toString('hex'));

interface Case {
  name: string;
  data: Buffer;
  compressed: Buffer;
  crc32?: number;
  declaredSize?: number;
  cap?: Cap;
}

const good = text(3 * 1024 * 1024);
const goodDeflated = deflateRawSync(good);
// the deflate stream breaks off halfway: what inflated before reaches the sink first, then the refusal
const damaged = goodDeflated.subarray(0, Math.floor(goodDeflated.length / 2));
const zeros = Buffer.alloc(200 * 1024 * 1024);

const CASES: Case[] = [
  { name: 'good.xml', data: good, compressed: goodDeflated },
  { name: 'bad-deflate.xml', data: good, compressed: damaged },
  { name: 'trailing.xml', data: good, compressed: Buffer.concat([goodDeflated, randomBytes(100_000)]) },
  { name: 'crc.xml', data: good, compressed: goodDeflated, crc32: (crc32(good) ^ 1) >>> 0 },
  { name: 'longer.xml', data: good, compressed: goodDeflated, declaredSize: good.length - 1 },
  { name: 'shorter.xml', data: good, compressed: goodDeflated, declaredSize: good.length + 1 },
  {
    name: 'bomb.bin',
    data: zeros,
    compressed: deflateRawSync(zeros),
    declaredSize: 100,
    cap: { bytes: 20 * 1024 * 1024, limit: 'maxRatio', details: { max: 200 } },
  },
];

let dir: string;
let path: string;
let handle: FileHandle;
let worker: InflateWorker;
const placed = new Map<string, { offset: number; length: number }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ps-inflate-worker-'));
  path = join(dir, 'entries.bin');
  const parts: Buffer[] = [Buffer.from('head')];
  let at = 4;
  for (const c of CASES) {
    placed.set(c.name, { offset: at, length: c.compressed.length });
    parts.push(c.compressed);
    at += c.compressed.length;
  }
  await writeFile(path, Buffer.concat(parts));
  handle = await open(path, 'r');
  worker = new InflateWorker(handle.fd);
});

afterAll(async () => {
  await worker.stop();
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

function jobOf(c: Case, extra: Partial<InflateJob> = {}): { job: InflateJob; offset: number } {
  const { offset, length } = placed.get(c.name)!;
  const job: InflateJob = {
    name: c.name,
    method: 8,
    compressedSize: length,
    readCompressed: async (at, n) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(n, length - at)));
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset + at);
      return buf.subarray(0, bytesRead);
    },
    declaredSize: c.declaredSize ?? c.data.length,
    crc32: c.crc32 ?? crc32(c.data),
    cap: c.cap ?? { bytes: 64 * 1024 * 1024, limit: 'maxEntrySize', details: { max: 64 * 1024 * 1024 } },
    ...extra,
  };
  return { job, offset };
}

/** The outcome of one way of inflating: the bytes the sink saw (hashed) and the result or the refusal. */
async function outcome(run: (sink: ChunkSink) => Promise<{ size: number; sha256: string }>): Promise<unknown> {
  const seen = createHash('sha256');
  let bytes = 0;
  try {
    const r = await run((chunk) => {
      seen.update(chunk);
      bytes += chunk.length;
    });
    return { ...r, bytes, seen: seen.digest('hex') };
  } catch (e) {
    if (!(e instanceof CoreError)) throw e;
    return { code: e.code, message: e.message, details: e.details, bytes, seen: seen.digest('hex') };
  }
}

describe('the inflating worker', () => {
  it.each(CASES.filter((c) => c.cap === undefined))('gives $name the outcome this thread gives it', async (c) => {
    const { job, offset } = jobOf(c);
    const here = await outcome((sink) => inflateEntryTo(job, sink));
    const there = await outcome((sink) => worker.inflate(job, offset, sink));
    expect(there).toEqual(here);
  });

  it('passes the good entry whole, with its SHA-256, and refuses each damage with its own reason', async () => {
    const reasons: Record<string, unknown> = {};
    for (const c of CASES) {
      const { job, offset } = jobOf(c);
      reasons[c.name] = await worker
        .inflate(job, offset, () => undefined)
        .then(
          (r) => r,
          (e: CoreError) => `${e.code} ${String(e.details?.['reason'] ?? e.details?.['limit'])}`,
        );
    }
    expect(reasons).toEqual({
      'good.xml': { size: good.length, sha256: createHash('sha256').update(good).digest('hex') },
      'bad-deflate.xml': 'ZIP_CORRUPT bad-deflate',
      'trailing.xml': 'ZIP_CORRUPT deflate-trailing-data',
      'crc.xml': 'ZIP_CORRUPT crc-mismatch',
      'longer.xml': 'ZIP_CORRUPT size-mismatch',
      'shorter.xml': 'ZIP_CORRUPT size-mismatch',
      'bomb.bin': 'ZIP_LIMIT maxRatio',
    });
  });

  it('stops a bomb at its cap, measured while inflating, as this thread does', async () => {
    const c = CASES.find((x) => x.name === 'bomb.bin')!;
    const { job, offset } = jobOf(c);
    const here = (await outcome((sink) => inflateEntryTo(job, sink))) as { details: unknown; bytes: number };
    const there = (await outcome((sink) => worker.inflate(job, offset, sink))) as { details: unknown; bytes: number };
    expect(there.details).toEqual(here.details);
    // never more than the cap reaches the sink
    expect(there.bytes).toBeLessThanOrEqual(c.cap!.bytes);
  });

  it('inflates two entries at once, each whole and in order', async () => {
    const [a, b] = [CASES[0]!, { ...CASES[0]!, name: 'good-again.xml' }];
    placed.set(b.name, placed.get(a.name)!);
    const parts: Record<string, Buffer[]> = { [a.name]: [], [b.name]: [] };
    const runs = [a, b].map((c) => {
      const { job, offset } = jobOf(c);
      return worker.inflate(job, offset, (chunk) => void parts[c.name]!.push(Buffer.from(chunk)));
    });
    await Promise.all(runs);
    expect(Buffer.concat(parts[a.name]!).equals(good)).toBe(true);
    expect(Buffer.concat(parts[b.name]!).equals(good)).toBe(true);
  });

  it('waits for a slow sink, ends with the error a sink throws, and stops when cancelled', async () => {
    const c = CASES[0]!;
    let calls = 0;
    const slow = await worker.inflate(jobOf(c).job, jobOf(c).offset, async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 1));
    });
    expect(slow.size).toBe(good.length);
    expect(calls).toBe(Math.ceil(good.length / (64 * 1024)));
    const boom = new CoreError('PAYLOAD_INVALID', 'the sink refused');
    let n = 0;
    await expect(
      worker.inflate(jobOf(c).job, jobOf(c).offset, () => {
        if (++n === 3) throw boom;
      }),
    ).rejects.toBe(boom);
    const controller = new AbortController();
    const cancelled = worker.inflate(jobOf(c, { signal: controller.signal }).job, jobOf(c).offset, () => controller.abort());
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    // the worker goes on serving the next entry
    expect((await worker.inflate(jobOf(c).job, jobOf(c).offset, () => undefined)).size).toBe(good.length);
  });

  it('refuses an entry whose file shrank under it as this thread does', async () => {
    const copy = join(dir, 'shrinking.bin');
    const c = CASES[0]!;
    const { offset, length } = placed.get(c.name)!;
    await writeFile(copy, Buffer.concat([Buffer.from('head'), c.compressed]));
    const h = await open(copy, 'r');
    const w = new InflateWorker(h.fd);
    try {
      await truncate(copy, offset + Math.floor(length / 2));
      const { job } = jobOf(c, {
        readCompressed: async (at, n) => {
          const buf = Buffer.alloc(Math.max(0, Math.min(n, length - at)));
          const { bytesRead } = await h.read(buf, 0, buf.length, offset + at);
          return buf.subarray(0, bytesRead);
        },
      });
      // (how much reached the sink before depends on when the short read came, here as there)
      const verdict = ({ code, message, details }: { code?: unknown; message?: unknown; details?: unknown }): unknown => ({
        code,
        message,
        details,
      });
      const here = verdict((await outcome((sink) => inflateEntryTo(job, sink))) as object);
      const there = verdict((await outcome((sink) => w.inflate(job, offset, sink))) as object);
      expect(there).toEqual(here);
      expect(there).toMatchObject({ code: 'ZIP_CORRUPT', details: { reason: 'truncated' } });
    } finally {
      await w.stop();
      await h.close();
    }
    // once stopped, it reads nothing more
    await expect(w.inflate(jobOf(c).job, offset, () => undefined)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
