/**
 * `sample --out FILE` as a stream (issue 11 "sample --scale must itself stream"): each payload's XML is
 * generated chunk by chunk into node:zlib's deflate (on the thread pool, while the next chunks are
 * generated), its CRC-32, SHA-256 and length taken on the way, and the compressed bytes spooled to a
 * file beside the output. The manifest, which needs those hashes, is then written first, and the spooled
 * payloads copied after it — the same bytes writeBundle makes in memory (write.ts), in flat memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';
import { CoreError } from '../../errors.js';
import { fsyncDir } from '../../durable.js';
import type { SampleOptions } from '../types.js';
import { MANIFEST_NAME } from '../layout.js';
import { manifestFor, samplePlan, type PayloadMaker } from '../write.js';
import { localRecord, writeRawZip, type RawEntry } from '../zip/raw-writer.js';
import { dosDateTime } from './zip.js';

/** XML text is handed to the deflater in pieces of about this size. */
const BATCH = 1024 * 1024;

interface Spooled {
  name: string;
  method: number;
  crc: number;
  size: number;
  compressedSize: number;
  sha256: string;
  /** where its compressed bytes are in the spool */
  at: number;
}

/** Appends to the spool file, in order. */
class Spool {
  length = 0;
  constructor(readonly fh: FileHandle) {}
  async append(bytes: Uint8Array): Promise<void> {
    const at = this.length;
    this.length += bytes.length;
    let done = 0;
    while (done < bytes.length) done += (await this.fh.write(bytes, done, bytes.length - done, at + done)).bytesWritten;
  }
}

/** Deflates generated XML into the spool; the deflater's backpressure paces the generator. */
async function deflateXml(name: string, chunks: Iterable<string>, spool: Spool): Promise<Spooled> {
  const at = spool.length;
  const hash = createHash('sha256');
  let crc = 0;
  let size = 0;
  const deflater = createDeflateRaw({ level: 6 });
  let writing: Promise<void> = Promise.resolve();
  let failed: unknown = null;
  deflater.on('data', (c: Buffer) => {
    writing = writing.then(() => spool.append(c)).catch((e: unknown) => void (failed ??= e));
  });
  const ended = new Promise<void>((resolve, reject) => {
    deflater.on('end', resolve);
    deflater.on('error', reject);
  });
  const feed = async (text: string): Promise<void> => {
    const buf = Buffer.from(text, 'utf8');
    hash.update(buf);
    crc = crc32(buf, crc);
    size += buf.length;
    if (!deflater.write(buf)) await new Promise((resolve) => deflater.once('drain', resolve));
    // the spool keeps up with the deflater: never more than a batch or two of output waits in memory
    await writing;
  };
  let pending: string[] = [];
  let pendingLength = 0;
  for (const chunk of chunks) {
    pending.push(chunk);
    pendingLength += chunk.length;
    if (pendingLength >= BATCH) {
      await feed(pending.join(''));
      pending = [];
      pendingLength = 0;
    }
  }
  if (pendingLength > 0) await feed(pending.join(''));
  deflater.end();
  await ended;
  await writing;
  if (failed !== null) throw failed;
  return { name, method: 8, crc: crc >>> 0, size, compressedSize: spool.length - at, sha256: hash.digest('hex'), at };
}

async function spoolBytes(name: string, bytes: Uint8Array, spool: Spool): Promise<Spooled> {
  const at = spool.length;
  await spool.append(bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { name, method: 0, crc: crc32(bytes) >>> 0, size: bytes.length, compressedSize: bytes.length, sha256, at };
}

async function spoolPayload(m: PayloadMaker, spool: Spool): Promise<Spooled> {
  return 'xml' in m ? deflateXml(m.file, m.xml(), spool) : spoolBytes(m.file, await m.bytes(), spool);
}

/** Hands [at, at + length) of the spool to `put`, a window at a time (put is done with a window when it resolves). */
async function copyRange(from: FileHandle, at: number, length: number, put: (bytes: Uint8Array) => Promise<void>): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(BATCH, Math.max(length, 1)));
  for (let done = 0; done < length;) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, length - done), at + done);
    if (bytesRead === 0) throw new CoreError('INTERNAL', 'Internal error: the sample spool ended early.');
    await put(buf.subarray(0, bytesRead));
    done += bytesRead;
  }
}

/** Writes the sample to `file` (atomically: a temporary name, then rename) in flat memory; returns its size and SHA-256. */
export async function writeBundleFile(file: string, opts: SampleOptions = {}): Promise<{ size: number; sha256: string }> {
  const plan = samplePlan(opts);
  const { time, date } = dosDateTime(plan.when);
  const tag = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const spoolPath = join(dirname(file), `.${basename(file)}.spool-${tag}`);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${tag}`);
  const total = plan.makers.length * 2 + 1;
  let step = 0;
  const spoolFh = await open(spoolPath, 'w+', 0o600);
  let out: FileHandle | null = null;
  try {
    const spool = new Spool(spoolFh);
    const spooled: Spooled[] = [];
    for (const m of plan.makers) {
      spooled.push(await spoolPayload(m, spool));
      opts.onProgress?.(++step, total);
    }
    const byName = new Map(spooled.map((s) => [s.name, s]));
    const manifest = Buffer.from(
      manifestFor(plan, (name) => {
        const s = byName.get(name);
        return { sha256: s?.sha256 ?? '', length: s?.size ?? 0 };
      }),
      'utf8',
    );
    const manifestData = new Uint8Array(deflateRawSync(manifest, { level: 6 }));
    const entryOf = (s: { name: string; method: number; crc: number; size: number; compressedSize: number }): RawEntry => ({
      name: s.name,
      method: s.method,
      compressed: new Uint8Array(0),
      crc32: s.crc,
      compressedSize: s.compressedSize,
      uncompressedSize: s.size,
    });
    const manifestEntry = entryOf({
      name: MANIFEST_NAME,
      method: 8,
      crc: crc32(manifest) >>> 0,
      size: manifest.length,
      compressedSize: manifestData.length,
    });
    if (spool.length + manifestData.length + 64 * 1024 > 0xfffffff0)
      throw new CoreError('INTERNAL', 'The sample would exceed 4 GiB; use a smaller --scale.');
    out = await open(tmp, 'wx', 0o644);
    const hash = createHash('sha256');
    let pos = 0;
    const put = async (bytes: Uint8Array): Promise<void> => {
      hash.update(bytes);
      let written = 0;
      while (written < bytes.length) written += (await out!.write(bytes, written, bytes.length - written, pos + written)).bytesWritten;
      pos += bytes.length;
    };
    const offsets: number[] = [pos];
    await put(localRecord(manifestEntry, { time, date }));
    await put(manifestData);
    for (const s of spooled) {
      offsets.push(pos);
      await put(localRecord(entryOf(s), { time, date }));
      await copyRange(spoolFh, s.at, s.compressedSize, put);
      opts.onProgress?.(++step, total);
    }
    // the central directory and end record, with the offsets of what was written (the raw writer puts it at 0)
    const tail = Buffer.from(
      writeRawZip(
        [manifestEntry, ...spooled.map(entryOf)].map((e, i) => ({ ...e, omitLocal: true, localOffset: offsets[i] })),
        { time, date },
      ),
    );
    tail.writeUInt32LE(pos, tail.length - 6);
    await put(tail);
    await out.sync();
    await out.close();
    out = null;
    await rename(tmp, file);
    await fsyncDir(dirname(file));
    opts.onProgress?.(total, total);
    return { size: pos, sha256: hash.digest('hex') };
  } catch (e) {
    await out?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await spoolFh.close();
    await rm(spoolPath, { force: true });
  }
}
