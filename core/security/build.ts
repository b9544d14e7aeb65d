/**
 * Builders for hostile bundles, made at test time from the valid sample (bundle-format.md "Reference
 * layout"): payloads replaced, the manifest written to match them (so only the intended fault remains).
 *
 * Hostile payloads inflate to gigabytes, yet building one must stay cheap: a body of one repeated block
 * is compressed once and its compressed bytes repeated — as gzip members (a .tar.gz may hold many) or as
 * full-flushed deflate blocks (which never refer back across the flush). Such a payload is bigger than any
 * limit lets through, so it is refused while inflating; its zip header declares a small size and the
 * manifest no hash (neither is ever reached). Bodies that must pass are compressed for real.
 */
import { createHash } from 'node:crypto';
import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { LAYOUT, MANIFEST_NAME } from '../bundle/layout.js';
import { samplePayloads, type SamplePayloads } from '../bundle/write.js';
import { writeRawZip, type RawEntry } from '../bundle/zip/raw-writer.js';
import { esc } from '../bundle/sample/xmltext.js';

/** What a document is made of between its head and tail. */
export type Body =
  /** `unit` repeated `count` times */
  | { kind: 'repeat'; unit: string; count: number }
  /** `bytes` of seeded random XML whitespace (space, tab, CR, LF): valid, and gzip only shrinks it ~4:1 */
  | { kind: 'whitespace'; bytes: number }
  /** `bytes` of seeded random letters and digits (shrinks ~1.3:1) */
  | { kind: 'letters'; bytes: number };

export interface Doc {
  head: string;
  body: Body;
  tail: string;
}

const MB = 1024 * 1024;

/** The byte length of a document. */
function docSize(d: Doc): number {
  const body = d.body.kind === 'repeat' ? Buffer.byteLength(d.body.unit) * d.body.count : d.body.bytes;
  return Buffer.byteLength(d.head) + body + Buffer.byteLength(d.tail);
}

/** One block of a repeat body (about 1 MiB of whole units) and how many whole blocks the body holds. */
function blockOf(body: { unit: string; count: number }): { block: Buffer; per: number } {
  const unit = Buffer.from(body.unit);
  const per = Math.max(1, Math.floor(MB / Math.max(1, unit.length)));
  return { block: Buffer.concat(Array.from({ length: Math.min(per, Math.max(1, body.count)) }, () => unit)), per };
}

/** Seeded random bytes drawn from `alphabet`. */
function randomChunk(n: number, alphabet: string, state: { x: number }): Buffer {
  const b = Buffer.allocUnsafe(n);
  const a = Buffer.from(alphabet);
  let x = state.x;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = a[(x >>> 0) % a.length] as number;
  }
  state.x = x;
  return b;
}

/**
 * The document in chunks of about 1 MiB; a repeat body yields the same block Buffer object over and over,
 * which the compressors below recognise and compress only once.
 */
export function* chunksOf(d: Doc): Generator<Buffer> {
  yield Buffer.from(d.head);
  const body = d.body;
  if (body.kind === 'repeat') {
    const { block, per } = blockOf(body);
    let left = body.count;
    while (left >= per) {
      yield block;
      left -= per;
    }
    if (left > 0) yield Buffer.from(body.unit.repeat(left));
  } else {
    const alphabet = body.kind === 'whitespace' ? ' \t\r\n' : 'abcdefghijklmnopqrstuvwxyz0123456789';
    const state = { x: 0x9e3779b9 };
    for (let left = body.bytes; left > 0; left -= MB) yield randomChunk(Math.min(MB, left), alphabet, state);
  }
  yield Buffer.from(d.tail);
}

/** One payload as the zip will hold it, with what the manifest says about it. */
export interface Payload {
  /** file name at the archive root */
  name: string;
  sha256: string;
  length: number;
  entry: RawEntry;
}

/** Bytes stored as they are (a .tar.gz), or deflated (an XML payload given whole). */
export function storedPayload(name: string, data: Uint8Array, deflate = false): Payload {
  return {
    name,
    sha256: createHash('sha256').update(data).digest('hex'),
    length: data.length,
    entry: { name, data, method: deflate ? 8 : 0 },
  };
}

/** Past this size a payload is compressed by block repetition and declared small (it can only be refused). */
const HUGE = 64 * MB;

/** An XML payload deflated into the zip. */
export function xmlPayload(name: string, d: Doc): Payload {
  if (docSize(d) <= HUGE) {
    const data = Buffer.concat([...chunksOf(d)]);
    return storedPayload(name, new Uint8Array(data), true);
  }
  // full-flushed deflate blocks can be repeated as they are; the stream ends with an empty final block
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const parts: Buffer[] = [];
  let last: Buffer | null = null;
  let packed: Buffer | null = null;
  for (const chunk of chunksOf(d)) {
    if (chunk === last && packed) parts.push(packed);
    else {
      packed = deflateRawSync(chunk, flush);
      last = chunk;
      parts.push(packed);
    }
  }
  parts.push(deflateRawSync(Buffer.alloc(0)));
  const compressed = new Uint8Array(Buffer.concat(parts));
  // the header declares a small size, the manifest a made-up hash and a length no payload reaches (so parsing
  // goes on as long as the limits allow): inflation is refused long before any of them is compared
  return {
    name,
    sha256: '0'.repeat(64),
    length: 1e12,
    entry: { name, method: 8, compressed, crc32: 0, uncompressedSize: MB, compressedSize: compressed.length },
  };
}

/** A member of a hostile tar. */
export interface TarPart {
  name: string;
  type?: 'file' | 'symlink' | 'directory';
  /** a file member's content */
  content?: Doc;
}

/** A .tar.gz as gzip members: a repeated block is compressed once and its member repeated. */
export async function tarGz(members: TarPart[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  const blocks = new Map<Buffer, Buffer>();
  let pending: Buffer[] = [];
  const flushPending = (): void => {
    if (pending.length > 0) parts.push(gzipSync(Buffer.concat(pending), { level: 6 }));
    pending = [];
  };
  const repeated = new Set<Buffer>();
  pack.on('data', (data: unknown) => {
    const c = data as Buffer;
    if (repeated.has(c)) {
      flushPending();
      let gz = blocks.get(c);
      if (!gz) blocks.set(c, (gz = gzipSync(c, { level: 9 })));
      parts.push(gz);
    } else {
      pending.push(Buffer.from(c));
      if (pending.reduce((n, p) => n + p.length, 0) > 8 * MB) flushPending();
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const m of members) {
    const type = m.type ?? 'file';
    const base = { name: m.name, mtime: new Date('2025-03-13T05:00:00Z'), uid: 0, gid: 0, mode: 0o644 };
    if (type !== 'file' || !m.content) {
      await new Promise<void>((resolve, reject) =>
        pack.entry({ ...base, type, size: 0, ...(type === 'symlink' ? { linkname: '/etc/passwd' } : {}) }, (e) =>
          e ? reject(e) : resolve(),
        ),
      );
      continue;
    }
    const entry = pack.entry({ ...base, type, size: docSize(m.content) });
    let previous: Buffer | null = null;
    for (const chunk of chunksOf(m.content)) {
      if (chunk === previous) repeated.add(chunk);
      previous = chunk;
      if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => {
      entry.once('finish', () => resolve());
      entry.once('error', reject);
      entry.end(Buffer.alloc(0));
    });
  }
  pack.finalize();
  await done;
  flushPending();
  return new Uint8Array(Buffer.concat(parts));
}

let base: Promise<SamplePayloads> | null = null;
/** The valid sample every hostile bundle starts from (small: scale 0.05). */
export function sample(): Promise<SamplePayloads> {
  base ??= samplePayloads({ seed: 7, scale: 0.05 });
  return base;
}

export interface AssembleOptions {
  /** edits the manifest text before it is zipped */
  manifest?: (xml: string) => string;
  /** entries added after the payloads */
  extra?: RawEntry[];
}

/** The sample with some payloads replaced and a manifest that matches every payload. */
export async function assemble(replaced: Payload[], opts: AssembleOptions = {}): Promise<Uint8Array> {
  const p = await sample();
  const byName = new Map(replaced.map((r) => [r.name, r]));
  const payloads = LAYOUT.map(
    (row) => byName.get(row.file) ?? storedPayload(row.file, p.payloads.get(row.file) as Uint8Array, !row.member),
  );
  const items = LAYOUT.map((row, i) => {
    const pl = payloads[i] as Payload;
    return (
      `  <entry>\n    <id>urn:cisco:ise:posture:${row.id}</id>\n    <title>${esc(row.title)}</title>\n    <updated>${p.updated}</updated>\n` +
      `    <update:component>${row.id}</update:component>\n    <update:version>${p.versions[row.versionKey]}</update:version>\n` +
      `    <update:sha256>${pl.sha256}</update:sha256>\n` +
      `    <link rel="enclosure" type="${row.member ? 'application/gzip' : 'application/xml'}" length="${pl.length}" href="${row.file}"/>\n  </entry>\n`
    );
  });
  let manifest =
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:update="http://www.cisco.com/cpm/update/1.0">\n' +
    `  <title>Posture Update</title>\n  <id>https://www.cisco.com/web/secure/spa/posture-update.xml</id>\n  <updated>${p.updated}</updated>\n` +
    `  <update:format>1</update:format>\n${items.join('')}</feed>\n`;
  if (opts.manifest) manifest = opts.manifest(manifest);
  const entries: RawEntry[] = [
    storedPayload(MANIFEST_NAME, new Uint8Array(Buffer.from(manifest)), true).entry,
    ...payloads.map((pl) => pl.entry),
    ...(opts.extra ?? []),
  ];
  return writeRawZip(entries);
}
