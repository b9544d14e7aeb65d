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
 * headers and tiling → declared limits → jszip's second opinion on the names (zip/jszip-check.ts).
 * Entries inflate on read()/stream() under the limits (zip/inflate.ts): one at a time, or two when a caller
 * asks for the next one alongside (check.ts reads the next payload beside the one it parses). In a file of
 * WORKER_MIN bytes or more, stream() inflates on a worker thread that reads the same descriptor and measures
 * CRC-32, SHA-256 and length there (zip/inflate-worker.ts); the verdicts are taken here all the same.
 *
 * Memory (issue 11): the file is read through a handle with positioned reads — its start and end, the
 * central directory, each local header, then entry data a window at a time — never held whole. The
 * whole-file SHA-256 runs at the same time (zip/file-hash.ts: a worker thread on the same descriptor),
 * so checking a bundle costs one pass over it, not two. Close what readBundle opened.
 */
import { errnoOf, fileError } from '../file-errors.js';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { CoreError } from '../errors.js';
import { DEFAULT_LIMITS, mergeLimits } from './limits.js';
import type { OpenedBundle, ReadOptions } from './options.js';
import type { Limits, ZipEntryInfo } from './types.js';
import { memoryReader, type Reader } from './zip/bytes.js';
import { fileReader, type BundleFile } from './zip/file-reader.js';
import { hashFile, WORKER_MIN, type FileHash } from './zip/file-hash.js';
import { InflateWorker } from './zip/inflate-worker.js';
import { readEndRecord } from './zip/eocd.js';
import { maxCentralSize, readCentralDirectory, type CentralEntry } from './zip/central.js';
import { readLocalHeaders, type DataRange } from './zip/local.js';
import { checkDuplicates } from './zip/names.js';
import { capFor, checkDeclared, checkEntryCount } from './zip/limits.js';
import { crossCheckWithJszip } from './zip/jszip-check.js';
import { inflateEntry, inflateEntryTo, type ChunkSink, type InflateJob, type Inflated } from './zip/inflate.js';
import { SNIFF_HEAD, SNIFF_TAIL, sniffZip } from './zip/sniff.js';
import { corrupt, notAZip, overLimit, throwIfCancelled } from './zip/fail.js';

/** What readBundle accepts: a path (opened and closed by the bundle), bytes in memory, or a handle the caller owns. */
export type BundleInput = Uint8Array | string | BundleFile;

/** An opened bundle whose whole-file SHA-256 may still be in progress (checkBundle awaits it last). */
export type OpeningBundle = Omit<OpenedBundle, 'sha256'> & { sha256: Promise<string> };

/** Opens a zip and runs every container check; entries inflate on demand through `read(name)` / `stream(name)`. */
export async function readBundle(input: BundleInput, opts: ReadOptions = {}): Promise<OpenedBundle> {
  const opening = await openBundle(input, opts);
  try {
    return { ...opening, sha256: await opening.sha256 };
  } catch (e) {
    await opening.close();
    throw e;
  }
}

/** readBundle without waiting for the whole-file SHA-256, which goes on while the caller reads entries. */
export async function openBundle(input: BundleInput, opts: ReadOptions = {}): Promise<OpeningBundle> {
  const limits = mergeLimits(opts.limits);
  const fileName = opts.fileName ?? (typeof input === 'string' ? basename(input) : 'bundle.zip');
  throwIfCancelled(opts.signal, fileName, { file: fileName });
  const source = await sourceOf(input, opts);
  let hash: FileHash | null = null;
  let inflater: InflateWorker | null = null;
  const close = async (): Promise<void> => {
    await Promise.all([hash?.stop(), inflater?.stop()]);
    hash = null;
    inflater = null;
    await source.close();
  };
  try {
    const { reader } = source;
    const size = reader.length;
    sniffZip(await reader.read(0, SNIFF_HEAD), await reader.read(Math.max(0, size - SNIFF_TAIL), SNIFF_TAIL), size);
    hash = hashFile(reader, {
      fd: source.fd,
      signal: opts.signal,
      what: fileName,
      onProgress: opts.onProgress && ((done, total) => opts.onProgress!({ phase: 'hash', done, total })),
    });
    // large entries inflate on a worker reading the same descriptor (zip/inflate-worker.ts), started now so it is ready by the first payload
    if (source.fd !== undefined && size >= WORKER_MIN) inflater = new InflateWorker(source.fd);
    const end = await readEndRecord(reader);
    checkEntryCount(end.entryCount, limits);
    if (end.cdSize > maxCentralSize(end.entryCount)) {
      throw corrupt('the central directory holds more bytes than its declared entries (entry count inconsistent)', {
        reason: 'entry-count',
        expected: `<= ${maxCentralSize(end.entryCount)}`,
        actual: end.cdSize,
        entryCount: end.entryCount,
      });
    }
    const central = readCentralDirectory(await reader.cover(end.cdOffset, end.cdSize), end);
    checkDuplicates(central);
    const ranges = await readLocalHeaders(reader, central, end.cdOffset);
    checkDeclared(central, limits);
    await crossCheckWithJszip(central);
    throwIfCancelled(opts.signal, fileName, { file: fileName });
    opts.onProgress?.({ phase: 'read', done: size, total: size });
    return openedBundle(fileName, reader, hash.digest, close, central, ranges, limits, opts, inflater);
  } catch (e) {
    await close();
    throw e;
  }
}

function openedBundle(
  fileName: string,
  reader: Reader,
  sha256: Promise<string>,
  close: () => Promise<void>,
  central: CentralEntry[],
  ranges: DataRange[],
  limits: Limits,
  opts: ReadOptions,
  inflater: InflateWorker | null,
): OpeningBundle {
  const byName = new Map(central.map((e) => [e.name, e]));
  const entries: ZipEntryInfo[] = central.map((e) => ({ name: e.name, size: e.uncompressedSize, compressedSize: e.compressedSize }));
  const inflated = new Set<string>();
  let usedTotal = 0;
  let closing: Promise<void> | null = null;
  // One inflation at a time, unless a caller asks for a second one alongside (see `stream`): memory stays at
  // a window of the zip plus a chunk per running entry, and the running total stays exact.
  let queue: Promise<unknown> = Promise.resolve();
  // entries asked for and not yet inflated, in the order they were asked for
  const asked: string[] = [];
  const running = new Set<Promise<unknown>>();
  /** What the entries asked for before `name` will add to the total once they inflate to their declared sizes. */
  const reservedBefore = (name: string): number => {
    let bytes = 0;
    for (const other of asked) {
      if (other === name) break;
      if (!inflated.has(other)) bytes += byName.get(other)?.uncompressedSize ?? 0;
    }
    return bytes;
  };

  /** The inflation job for one entry (ENTRY_MISSING for a name the zip does not hold). */
  const jobFor = (name: string): { job: InflateJob; index: number; already: boolean; offset: number } => {
    const e = byName.get(name);
    if (e === undefined) {
      throw new CoreError('ENTRY_MISSING', `The zip has no entry named ${JSON.stringify(name)}.`, { entry: name, file: fileName });
    }
    throwIfCancelled(opts.signal, JSON.stringify(name), { entry: name });
    if (closing) throw new CoreError('INTERNAL', `Internal error: ${fileName} was read after it was closed.`, { entry: name });
    const range = ranges[e.index]!;
    const already = inflated.has(name);
    const job: InflateJob = {
      name,
      method: e.method,
      compressedSize: range.end - range.start,
      readCompressed: (at, length) => reader.read(range.start + at, Math.min(length, range.end - range.start - at)),
      declaredSize: e.uncompressedSize,
      crc32: e.crc32,
      // entries still inflating ahead of this one count at their declared sizes: if one of them inflates to
      // anything else it fails, and its refusal comes first; if it does not, the total is what it would be in turn
      cap: capFor(e, limits, (already ? usedTotal - e.uncompressedSize : usedTotal) + reservedBefore(name)),
      signal: opts.signal,
      onProgress: opts.onProgress && ((done, total) => opts.onProgress!({ phase: 'inflate', done, total })),
    };
    return { job, index: e.index, already, offset: range.start };
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
  const streamOne = async (name: string, sink: ChunkSink): Promise<Inflated> => {
    const { job, index, already, offset } = jobFor(name);
    const inflated = await (inflater ? inflater.inflate(job, offset, sink) : inflateEntryTo(job, sink));
    inflatedOne(name, index, already, inflated.size);
    return inflated;
  };
  const serially = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run);
    queue = next.catch(() => undefined);
    return next;
  };
  // entries put in `asked` by a stream beside them, before their own stream was asked for
  const placed = new Set<string>();
  const stream = (name: string, sink: ChunkSink, alongside?: string): Promise<Inflated> => {
    // a second stream starts at once beside an entry not yet inflated; that entry keeps its place ahead of it
    const beside = alongside !== undefined && alongside !== name && !inflated.has(alongside) && !asked.includes(name);
    if (beside && !asked.includes(alongside)) {
      asked.push(alongside);
      placed.add(alongside);
    }
    // `name` keeps its place among the entries asked for until its stream ends (before the next one starts)
    if (placed.has(name)) placed.delete(name);
    else asked.push(name);
    const run = async (): Promise<Inflated> => {
      try {
        return await streamOne(name, sink);
      } finally {
        asked.splice(asked.indexOf(name), 1);
      }
    };
    if (!beside) return serially(run);
    const done = run();
    const settled = done.catch(() => undefined);
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return done;
  };

  return {
    fileName,
    size: reader.length,
    sha256,
    entries,
    read: (name) => serially(() => readOne(name)),
    stream,
    // after the reads already queued or running: a close never cuts a read short
    close: () => (closing ??= Promise.all([queue, ...running]).then(close)),
  };
}

interface Source {
  reader: Reader;
  fd?: number;
  close(): Promise<void>;
}

/** A Reader over the input; a path is opened here (NOT_FOUND, NOT_A_ZIP for a directory, ZIP_LIMIT for a hopeless size). */
async function sourceOf(input: BundleInput, opts: ReadOptions): Promise<Source> {
  if (input instanceof Uint8Array) return { reader: memoryReader(input), close: async () => undefined };
  if (typeof input !== 'string') {
    const { size } = await input.stat();
    checkFileSize(size, opts, {});
    return { reader: fileReader(input, size), ...(input.fd !== undefined ? { fd: input.fd } : {}), close: async () => undefined };
  }
  let handle: FileHandle;
  try {
    handle = await open(input, 'r');
  } catch (e) {
    throw bundleFileError(input, e);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw notAZip('a directory', { path: input });
    if (!stat.isFile()) throw notAZip('not a regular file', { path: input });
    checkFileSize(stat.size, opts, { path: input });
    let closed: Promise<void> | null = null;
    return { reader: fileReader(handle, stat.size), fd: handle.fd, close: () => (closed ??= handle.close()) };
  } catch (e) {
    await handle.close();
    throw e instanceof CoreError ? e : bundleFileError(input, e);
  }
}

/** A zip larger than the total uncompressed limit (plus room for headers) cannot be a bundle within the limits. */
function checkFileSize(size: number, opts: ReadOptions, details: Record<string, unknown>): void {
  const cap = (opts.limits?.maxTotalSize ?? DEFAULT_LIMITS.maxTotalSize) + 64 * 1024 * 1024;
  if (size > cap) throw overLimit(`the file is ${size} bytes`, { limit: 'maxTotalSize', max: cap, actual: size, ...details });
}

/** A bundle path that cannot be opened: PERMISSION_DENIED (EACCES, EPERM), NOT_FOUND, or NOT_A_ZIP for a directory, saying what to do. */
export function bundleFileError(path: string, e: unknown): CoreError {
  return fileError(e, path, 'The bundle', () => {
    const code = errnoOf(e);
    if (code === 'ENOENT') return new CoreError('NOT_FOUND', `The file ${path} does not exist. Check the path and try again.`, { path });
    if (code === 'EISDIR') return notAZip('a directory', { path });
    const message = e instanceof Error ? e.message : String(e);
    return new CoreError('NOT_FOUND', `The file ${path} could not be read (${message}). Check the path and try again.`, {
      path,
      cause: code ?? message,
    });
  });
}
