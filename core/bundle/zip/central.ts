/**
 * The central directory (APPNOTE 4.3.12): exactly `entryCount` file headers filling exactly the bytes the
 * end record declares, each with a valid signature, names/extra/comment inside the directory, ZIP64
 * values where marked, disk 0, no encryption (flag bits 0, 6, 13) and method 0 (stored) or 8 (deflate).
 */
import { Bytes, SIG, hex32 } from './bytes.js';
import type { EndRecord } from './eocd.js';
import { applyZip64, parseExtra, type ExtraFields } from './extra.js';
import { corrupt, unsafePath, unsupported } from './fail.js';
import { checkName, checkUnicodePathField, decodeName } from './names.js';

/** One central directory header, with ZIP64 values applied and its name decoded and checked. */
export interface CentralEntry {
  index: number;
  name: string;
  rawName: Uint8Array;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  isDir: boolean;
  zip64: boolean;
  extra: ExtraFields;
  /** kept for jszip's skeleton (jszip-check.ts): they decide how jszip names the entry */
  versionMadeBy: number;
  externalAttrs: number;
}

export const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const HEADER = 46;

/** The most bytes `count` central headers can take (name, extra field and comment of 65535 bytes each). */
export function maxCentralSize(count: number): number {
  return count * (HEADER + 3 * 0xffff);
}
const METHOD_NAMES: Record<number, string> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstd',
  95: 'xz',
  98: 'ppmd',
  99: 'AES encryption',
};

/** Walks every central header; throws the first structural, name or feature refusal. */
export function readCentralDirectory(b: Bytes, end: EndRecord): CentralEntry[] {
  if (end.entryCount * HEADER > end.cdSize) {
    throw corrupt('the end record declares more entries than the central directory can hold', {
      reason: 'entry-count',
      expected: `<= ${Math.floor(end.cdSize / HEADER)}`,
      actual: end.entryCount,
    });
  }
  const entries: CentralEntry[] = [];
  const cdEnd = end.cdOffset + end.cdSize;
  let pos = end.cdOffset;
  for (let index = 0; index < end.entryCount; index++) {
    if (pos + HEADER > cdEnd) {
      throw corrupt(`central directory header ${index} runs past the central directory`, {
        reason: 'entry-count',
        index,
        expected: end.entryCount,
        actual: index,
      });
    }
    const sig = b.u32(pos, 'central directory header');
    if (sig !== SIG.central) {
      throw corrupt(`invalid central directory file header signature (entry ${index})`, {
        reason: 'bad-signature',
        what: 'central header',
        index,
        offset: pos,
        expected: hex32(SIG.central),
        actual: hex32(sig),
      });
    }
    const madeBy = b.u16(pos + 4, 'central header');
    const flags = b.u16(pos + 8, 'central header');
    const method = b.u16(pos + 10, 'central header');
    const crc32 = b.u32(pos + 16, 'central header');
    const nameLen = b.u16(pos + 28, 'central header');
    const extraLen = b.u16(pos + 30, 'central header');
    const commentLen = b.u16(pos + 32, 'central header');
    const external = b.u32(pos + 38, 'central header');
    const next = pos + HEADER + nameLen + extraLen + commentLen;
    if (next > cdEnd) {
      throw corrupt(`central directory header ${index} (name, extra field, comment) runs past the central directory`, {
        reason: 'cd-overflow',
        index,
        expected: cdEnd,
        actual: next,
      });
    }
    const rawName = b.slice(pos + HEADER, nameLen, 'entry name');
    const name = decodeName(rawName);
    const extra = parseExtra(b.slice(pos + HEADER + nameLen, extraLen, 'extra field'), name, 'central');
    const v = applyZip64(
      {
        compressedSize: b.u32(pos + 20, 'central header'),
        uncompressedSize: b.u32(pos + 24, 'central header'),
        diskStart: b.u16(pos + 34, 'central header'),
        localOffset: b.u32(pos + 42, 'central header'),
      },
      extra,
      name,
      'central',
    );
    if (v.diskStart !== 0)
      throw unsupported(`entry ${JSON.stringify(name)} starts on disk ${v.diskStart} (multi-disk archive)`, {
        reason: 'multi-disk',
        entry: name,
        expected: 0,
        actual: v.diskStart,
      });
    checkFeatures(name, flags, method);
    const unixType = madeBy >> 8 === 3 ? (external >>> 16) & 0xf000 : 0;
    const isDir = name.endsWith('/') || (external & 0x10) !== 0 || unixType === 0x4000;
    checkName(name, isDir);
    // bundle-format.md refuses non-regular tar members; a zip symlink (or device, FIFO) is refused alike.
    if (unixType !== 0 && unixType !== 0x8000 && unixType !== 0x4000) {
      throw unsafePath(name, unixType === 0xa000 ? 'a symbolic link' : 'not a regular file or directory', {
        unixMode: '0' + ((external >>> 16) & 0xffff).toString(8),
      });
    }
    checkUnicodePathField(name, extra);
    if (method === METHOD_STORED && v.compressedSize !== v.uncompressedSize) {
      throw corrupt(`compressed and uncompressed sizes differ for the stored entry ${JSON.stringify(name)}`, {
        reason: 'size-mismatch',
        entry: name,
        expected: v.uncompressedSize,
        actual: v.compressedSize,
      });
    }
    // An empty deflate stream takes 2-5 bytes; anything more in a directory entry is hidden data.
    if (isDir && (v.uncompressedSize !== 0 || v.compressedSize > 16)) {
      throw corrupt(`the directory entry ${JSON.stringify(name)} carries data (directories must be empty entries)`, {
        reason: 'directory-with-data',
        entry: name,
        expected: 0,
        actual: v.uncompressedSize || v.compressedSize,
      });
    }
    entries.push({
      index,
      name,
      rawName,
      flags,
      method,
      crc32,
      compressedSize: v.compressedSize,
      uncompressedSize: v.uncompressedSize,
      localOffset: v.localOffset,
      isDir,
      zip64: v.zip64,
      extra,
      versionMadeBy: madeBy,
      externalAttrs: external,
    });
    pos = next;
  }
  if (pos !== cdEnd) {
    throw corrupt('the central directory holds more bytes than its declared entries (entry count inconsistent)', {
      reason: 'entry-count',
      expected: cdEnd,
      actual: pos,
      entryCount: end.entryCount,
    });
  }
  return entries;
}

/** Encryption and compression method checks (APPNOTE 4.4.4 bits 0, 6, 13; 4.4.5). */
export function checkFeatures(name: string, flags: number, method: number): void {
  if (flags & 0x40) throw unsupported(`strong encryption (entry ${JSON.stringify(name)})`, { reason: 'encrypted', entry: name, flags });
  if (flags & 0x01) throw unsupported(`encryption (entry ${JSON.stringify(name)})`, { reason: 'encrypted', entry: name, flags });
  if (flags & 0x2000) throw unsupported('an encrypted central directory', { reason: 'encrypted', entry: name, flags });
  if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
    const label = METHOD_NAMES[method] ?? 'unknown';
    throw unsupported(`compression method ${method} (${label}) for entry ${JSON.stringify(name)}`, {
      reason: method === 99 ? 'encrypted' : 'compression-method',
      entry: name,
      expected: '0 (stored) or 8 (deflate)',
      actual: method,
    });
  }
}
