/**
 * readBundle: opens posture-offline.zip as a strict container. Implements, from
 * ../shared/spec/bundle-format.md:
 *
 * > ISE accepts one `.zip` for an offline posture update; `.tar`, `.gz` and other archives are refused.
 * > Directories are allowed only as directory entries with no data. Names are UTF-8, relative, no `..`,
 * > no leading `/` or `\`, no drive letters, no NUL, no backslashes.
 * > Container-level faults (unsafe paths, limits, corruption, encryption) are refusals in every layout.
 * > `NOT_A_ZIP` (includes `.tar`/`.gz`/empty/other), `ZIP_CORRUPT` (truncated, bad signatures, CRC or
 * > size mismatch, bad deflate stream), `ZIP_UNSUPPORTED` (encryption, multi-disk, unknown compression
 * > method), `ZIP_UNSAFE_PATH`, `ZIP_LIMIT` (entry count, entry size, total size or ratio over the limits,
 * > measured while inflating, never trusting the headers alone), `DUPLICATE_ENTRY`.
 * > Default limits (configurable): 10,000 entries, 1 GiB per entry, 4 GiB total uncompressed,
 * > ratio 200:1 per entry once an entry passes 1 MiB.
 *
 * Order: sniff (NOT_A_ZIP) → end records → central directory (names, features) → duplicates → local
 * headers and tiling → declared limits → jszip's second opinion on the names (zip/jszip-check.ts) →
 * SHA-256. Entries inflate on read(), one at a time, under the limits (zip/inflate.ts).
 */
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { CoreError } from '../errors.js';
import { DEFAULT_LIMITS, mergeLimits } from './limits.js';
import type { OpenedBundle, ReadOptions } from './options.js';
import type { Limits, ZipEntryInfo } from './types.js';
import { Bytes } from './zip/bytes.js';
import { readEndRecord } from './zip/eocd.js';
import { readCentralDirectory, type CentralEntry } from './zip/central.js';
import { readLocalHeaders, type DataRange } from './zip/local.js';
import { checkDuplicates } from './zip/names.js';
import { capFor, checkDeclared, checkEntryCount } from './zip/limits.js';
import { crossCheckWithJszip } from './zip/jszip-check.js';
import { inflateEntry, inflateEntryTo, type ChunkSink, type InflateJob } from './zip/inflate.js';
import { sniffZip } from './zip/sniff.js';
import { notAZip, overLimit, throwIfCancelled } from './zip/fail.js';

const STEP = 8 * 1024 * 1024;

/** Opens a zip and runs every container check; entries inflate on demand through `read(name)`. */
export async function readBundle(input: Uint8Array | string, opts: ReadOptions = {}): Promise<OpenedBundle> {
  const limits = mergeLimits(opts.limits);
  const data = typeof input === 'string' ? await readWholeFile(input, opts) : input;
  const fileName = opts.fileName ?? (typeof input === 'string' ? basename(input) : 'bundle.zip');
  throwIfCancelled(opts.signal, fileName, { file: fileName });

  sniffZip(data);
  const b = new Bytes(data);
  const end = readEndRecord(b);
  checkEntryCount(end.entryCount, limits);
  const central = readCentralDirectory(b, end);
  checkDuplicates(central);
  const ranges = readLocalHeaders(b, central, end.cdOffset);
  checkDeclared(central, limits);
  await crossCheckWithJszip(central);
  const sha256 = hashAll(data, opts);

  return openedBundle(fileName, data, sha256, central, ranges, limits, opts);
}

function openedBundle(
  fileName: string,
  data: Uint8Array,
  sha256: string,
  central: CentralEntry[],
  ranges: DataRange[],
  limits: Limits,
  opts: ReadOptions,
): OpenedBundle {
  const byName = new Map(central.map((e) => [e.name, e]));
  const entries: ZipEntryInfo[] = central.map((e) => ({ name: e.name, size: e.uncompressedSize, compressedSize: e.compressedSize }));
  const inflated = new Set<string>();
  let usedTotal = 0;
  // One inflation at a time: memory stays at the zip plus one entry, and the running total stays exact.
  let queue: Promise<unknown> = Promise.resolve();

  /** The inflation job for one entry (ENTRY_MISSING for a name the zip does not hold). */
  const jobFor = (name: string): { job: InflateJob; index: number; already: boolean } => {
    const e = byName.get(name);
    if (e === undefined) {
      throw new CoreError('ENTRY_MISSING', `The zip has no entry named ${JSON.stringify(name)}.`, { entry: name, file: fileName });
    }
    throwIfCancelled(opts.signal, JSON.stringify(name), { entry: name });
    const range = ranges[e.index]!;
    const already = inflated.has(name);
    const job: InflateJob = {
      name,
      method: e.method,
      compressed: data.subarray(range.start, range.end),
      declaredSize: e.uncompressedSize,
      crc32: e.crc32,
      cap: capFor(e, limits, already ? usedTotal - e.uncompressedSize : usedTotal),
      signal: opts.signal,
      onProgress: opts.onProgress && ((done, total) => opts.onProgress!({ phase: 'inflate', done, total })),
    };
    return { job, index: e.index, already };
  };
  const inflatedOne = (name: string, index: number, already: boolean, size: number): void => {
    if (!already) {
      inflated.add(name);
      usedTotal += size;
    }
    entries[index]!.size = size;
  };
  const readOne = async (name: string): Promise<Uint8Array> => {
    const { job, index, already } = jobFor(name);
    const bytes = await inflateEntry(job);
    inflatedOne(name, index, already, bytes.length);
    return bytes;
  };
  const streamOne = async (name: string, sink: ChunkSink): Promise<number> => {
    const { job, index, already } = jobFor(name);
    const size = await inflateEntryTo(job, sink);
    inflatedOne(name, index, already, size);
    return size;
  };
  const serially = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    fileName,
    size: data.length,
    sha256,
    entries,
    read: (name) => serially(() => readOne(name)),
    stream: (name, sink) => serially(() => streamOne(name, sink)),
  };
}

function hashAll(data: Uint8Array, opts: ReadOptions): string {
  const hash = createHash('sha256');
  for (let at = 0; at < data.length; at += STEP) {
    throwIfCancelled(opts.signal, opts.fileName ?? 'the zip', { file: opts.fileName ?? 'the zip' });
    hash.update(data.subarray(at, Math.min(at + STEP, data.length)));
    opts.onProgress?.({ phase: 'hash', done: Math.min(at + STEP, data.length), total: data.length });
  }
  return hash.digest('hex');
}

/** Reads the file in steps so progress and cancellation work on large bundles. */
async function readWholeFile(path: string, opts: ReadOptions): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw notAZip('a directory', { path });
    if (!stat.isFile()) throw notAZip('not a regular file', { path });
    const cap = (opts.limits?.maxTotalSize ?? DEFAULT_LIMITS.maxTotalSize) + 64 * 1024 * 1024;
    if (stat.size > cap) throw overLimit(`the file is ${stat.size} bytes`, { limit: 'maxTotalSize', max: cap, actual: stat.size, path });
    const data = Buffer.allocUnsafe(stat.size);
    let done = 0;
    while (done < stat.size) {
      throwIfCancelled(opts.signal, basename(path), { file: basename(path) });
      const { bytesRead } = await handle.read(data, done, Math.min(STEP, stat.size - done), done);
      if (bytesRead === 0) break;
      done += bytesRead;
      opts.onProgress?.({ phase: 'read', done, total: stat.size });
    }
    return data.subarray(0, done);
  } catch (e) {
    throw e instanceof CoreError ? e : fileError(path, e);
  } finally {
    await handle.close();
  }
}

function fileError(path: string, e: unknown): CoreError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new CoreError('NOT_FOUND', `The file ${path} does not exist. Check the path and try again.`, { path });
  if (code === 'EISDIR') return notAZip('a directory', { path });
  const message = e instanceof Error ? e.message : String(e);
  return new CoreError('NOT_FOUND', `The file ${path} could not be read (${message}). Check its permissions and try again.`, {
    path,
    cause: code ?? message,
  });
}
