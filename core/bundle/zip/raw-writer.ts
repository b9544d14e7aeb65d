/**
 * Writes zips from raw header fields: jszip's data-less skeleton (jszip-check.ts), and fixtures, including
 * the broken and hostile zips jszip cannot make (lying sizes, foreign name bytes, encryption flags, disk
 * numbers, wrong comment lengths). Every header field can be overridden; by default the result is a valid
 * zip (APPNOTE 4.3).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { SIG } from './bytes.js';

/** One entry as it will be written; overrides apply to both headers unless named local/central. */
export interface RawEntry {
  name: string;
  data?: Uint8Array;
  /** 0 stored, 8 deflate (default 8 for non-empty data) */
  method?: number;
  /** compressed bytes as written (default: deflate or copy of data) */
  compressed?: Uint8Array;
  rawName?: Uint8Array;
  localName?: Uint8Array;
  flags?: number;
  crc32?: number;
  uncompressedSize?: number;
  compressedSize?: number;
  externalAttrs?: number;
  versionMadeBy?: number;
  diskStart?: number;
  centralExtra?: Uint8Array;
  localExtra?: Uint8Array;
  /** overrides where the central header says the local header is */
  localOffset?: number;
  /** write a data descriptor (sets flag bit 3, zeroes the local CRC and sizes) */
  descriptor?: boolean;
  /** write only the central header (with localOffset pointing at bytes written elsewhere) */
  omitLocal?: boolean;
}

export interface RawZipOptions {
  comment?: string;
  /** the comment length as written (default: the real length) */
  commentLength?: number;
  diskNumber?: number;
  cdDisk?: number;
  entryCount?: number;
  /** bytes written before the first local header (offsets are not adjusted) */
  prefix?: Uint8Array;
  /** bytes written after the end record */
  trailing?: Uint8Array;
  /** flips the signature of central header #i */
  badCentralSignature?: number;
  /** DOS time and date written in every header (APPNOTE 4.4.6; default 00:00, 1980-01-01) */
  time?: number;
  date?: number;
}

const enc = new TextEncoder();

class Out {
  private parts: Uint8Array[] = [];
  length = 0;
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  u16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n & 0xffff);
    return this.bytes(b);
  }
  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return this.bytes(b);
  }
  done(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

/** Builds a zip from raw entries; see RawEntry/RawZipOptions for the faults it can inject. */
export function writeRawZip(entries: RawEntry[], opts: RawZipOptions = {}): Uint8Array {
  const out = new Out();
  if (opts.prefix) out.bytes(opts.prefix);
  const central = new Out();
  const time = opts.time ?? 0;
  const date = opts.date ?? 0x21;
  for (const [i, e] of entries.entries()) {
    const data = e.data ?? new Uint8Array(0);
    const method = e.method ?? (data.length > 0 ? 8 : 0);
    const compressed = e.compressed ?? (method === 8 ? new Uint8Array(deflateRawSync(data)) : data);
    const name = e.rawName ?? enc.encode(e.name);
    const flags = (e.flags ?? 0x0800) | (e.descriptor ? 0x08 : 0);
    const crc = e.crc32 ?? crc32(data);
    const usize = e.uncompressedSize ?? data.length;
    const csize = e.compressedSize ?? compressed.length;
    const localExtra = e.localExtra ?? new Uint8Array(0);
    const centralExtra = e.centralExtra ?? new Uint8Array(0);
    const offset = out.length;
    if (!e.omitLocal) writeLocal(out, e, { flags, method, time, date, crc, csize, usize, name, localExtra, compressed });
    central
      .u32(opts.badCentralSignature === i ? 0x01014b50 : SIG.central)
      .u16(e.versionMadeBy ?? 0x0314)
      .u16(20)
      .u16(flags)
      .u16(method)
      .u16(time)
      .u16(date)
      .u32(crc)
      .u32(csize)
      .u32(usize)
      .u16(name.length)
      .u16(centralExtra.length)
      .u16(0)
      .u16(e.diskStart ?? 0)
      .u16(0)
      .u32(e.externalAttrs ?? (e.name.endsWith('/') ? 0x41ed0010 : 0x81a40000))
      .u32(e.localOffset ?? offset)
      .bytes(name)
      .bytes(centralExtra);
  }
  const cdOffset = out.length;
  const cd = central.done();
  out.bytes(cd);
  const comment = enc.encode(opts.comment ?? '');
  const count = opts.entryCount ?? entries.length;
  out
    .u32(SIG.eocd)
    .u16(opts.diskNumber ?? 0)
    .u16(opts.cdDisk ?? 0)
    .u16(count)
    .u16(count)
    .u32(cd.length)
    .u32(cdOffset)
    .u16(opts.commentLength ?? comment.length)
    .bytes(comment);
  if (opts.trailing) out.bytes(opts.trailing);
  return out.done();
}

interface LocalFields {
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  csize: number;
  usize: number;
  name: Uint8Array;
  localExtra: Uint8Array;
  compressed: Uint8Array;
}

function writeLocal(out: Out, e: RawEntry, f: LocalFields): void {
  out.u32(SIG.local).u16(20).u16(f.flags).u16(f.method).u16(f.time).u16(f.date);
  if (e.descriptor) out.u32(0).u32(0).u32(0);
  else out.u32(f.crc).u32(f.csize).u32(f.usize);
  const name = e.localName ?? f.name;
  out.u16(name.length).u16(f.localExtra.length).bytes(name).bytes(f.localExtra).bytes(f.compressed);
  if (e.descriptor) out.u32(SIG.descriptor).u32(f.crc).u32(f.csize).u32(f.usize);
}

/** The local record (header + data) of one entry, to embed inside another entry's data (or to stream its data after). */
export function localRecord(e: RawEntry, opts: RawZipOptions = {}): Uint8Array {
  const z = writeRawZip([e], opts);
  const cdOffset = Buffer.from(z).readUInt32LE(z.length - 6);
  return z.subarray(0, cdOffset);
}
