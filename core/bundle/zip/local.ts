/**
 * Local file headers (APPNOTE 4.3.7) against the central directory: valid signature, the same name bytes,
 * method and encryption bits, the same CRC and sizes (or a data descriptor, 4.3.9, carrying them), data
 * inside the file. Entries must tile the bytes before the central directory exactly — no overlap (the
 * overlapping-entry bomb), no unaccounted gaps or prefix (hidden content) — as bundle-format.md refuses
 * "trailing/missing data".
 */
import { SIG, hex32, type Reader } from './bytes.js';
import type { CentralEntry } from './central.js';
import { applyZip64, parseExtra } from './extra.js';
import { corrupt } from './fail.js';
import { checkFeatures } from './central.js';

/** Where an entry's compressed bytes are. */
export interface DataRange {
  start: number;
  end: number;
}

const HEADER = 30;

/**
 * Verifies every local header and the tiling; returns each entry's data range, by entry index. Reads
 * only the headers (and data descriptors), a small window at a time, never the entries' data.
 */
export async function readLocalHeaders(r: Reader, entries: CentralEntry[], cdOffset: number): Promise<DataRange[]> {
  const ranges: DataRange[] = new Array<DataRange>(entries.length);
  const spans: Array<{ name: string; start: number; end: number }> = [];
  for (const e of entries) {
    const at = e.localOffset;
    const what = `local header of ${JSON.stringify(e.name)}`;
    if (at + HEADER > cdOffset) {
      throw corrupt(`the ${what} lies outside the entry area`, {
        reason: 'local-offset',
        entry: e.name,
        expected: `<= ${cdOffset - HEADER}`,
        actual: at,
      });
    }
    let b = await r.cover(at, HEADER);
    const sig = b.u32(at, what);
    if (sig !== SIG.local) {
      throw corrupt(`invalid local file header signature for ${JSON.stringify(e.name)}`, {
        reason: 'bad-signature',
        what: 'local header',
        entry: e.name,
        offset: at,
        expected: hex32(SIG.local),
        actual: hex32(sig),
      });
    }
    const flags = b.u16(at + 6, what);
    const method = b.u16(at + 8, what);
    const nameLen = b.u16(at + 26, what);
    const extraLen = b.u16(at + 28, what);
    checkFeatures(e.name, flags, method);
    b = await r.cover(at, HEADER + nameLen + extraLen);
    if (method !== e.method) {
      throw corrupt(`local and central headers of ${JSON.stringify(e.name)} disagree on the compression method`, {
        reason: 'local-mismatch',
        entry: e.name,
        field: 'method',
        expected: e.method,
        actual: method,
      });
    }
    const localName = b.slice(at + HEADER, nameLen, what);
    if (
      Buffer.compare(
        Buffer.from(localName.buffer, localName.byteOffset, localName.length),
        Buffer.from(e.rawName.buffer, e.rawName.byteOffset, e.rawName.length),
      ) !== 0
    ) {
      throw corrupt(`the local header names a different file than the central directory for ${JSON.stringify(e.name)}`, {
        reason: 'local-mismatch',
        entry: e.name,
        field: 'name',
        expected: e.name,
        actual: Buffer.from(localName).toString('latin1'),
      });
    }
    const extra = parseExtra(b.slice(at + HEADER + nameLen, extraLen, what), e.name, 'local');
    const local = applyZip64(
      { compressedSize: b.u32(at + 18, what), uncompressedSize: b.u32(at + 22, what), localOffset: 0, diskStart: 0 },
      extra,
      e.name,
      'local',
    );
    const crc = b.u32(at + 14, what);
    const descriptor = (flags & 0x08) !== 0;
    // With a data descriptor the local values may be zero; when present they must still agree.
    const compare: Array<[string, number, number]> = [
      ['crc32', e.crc32, crc],
      ['compressedSize', e.compressedSize, local.compressedSize],
      ['uncompressedSize', e.uncompressedSize, local.uncompressedSize],
    ];
    for (const [field, want, got] of compare) {
      if (got !== want && !(descriptor && got === 0)) {
        throw corrupt(`local and central headers of ${JSON.stringify(e.name)} disagree on the ${field}`, {
          reason: 'local-mismatch',
          entry: e.name,
          field,
          expected: want,
          actual: got,
        });
      }
    }
    const start = at + HEADER + nameLen + extraLen;
    const dataEnd = start + e.compressedSize;
    if (dataEnd > cdOffset) {
      throw corrupt(`the data of ${JSON.stringify(e.name)} overflows the entry area (into the central directory or past the end of file)`, {
        reason: 'data-out-of-bounds',
        entry: e.name,
        expected: `<= ${cdOffset}`,
        actual: dataEnd,
      });
    }
    const end = descriptor ? dataEnd + (await descriptorLength(r, e, dataEnd, local.zip64 || e.zip64, cdOffset)) : dataEnd;
    ranges[e.index] = { start, end: dataEnd };
    spans.push({ name: e.name, start: at, end });
  }
  checkTiling(spans, cdOffset);
  return ranges;
}

/** Finds the data descriptor (optional signature; 32- or 64-bit sizes) and checks it matches the central header. */
async function descriptorLength(r: Reader, e: CentralEntry, at: number, zip64: boolean, limit: number): Promise<number> {
  const b = await r.cover(at, 4 + 4 + 16);
  const signed = at + 4 <= limit && b.peek32(at) === SIG.descriptor;
  const base = at + (signed ? 4 : 0);
  const widths = zip64 ? [8, 4] : [4, 8];
  for (const width of widths) {
    const len = (signed ? 4 : 0) + 4 + 2 * width;
    if (at + len > limit) continue;
    // at + len <= limit, inside the file and so inside the window
    const o = base - b.base;
    const crc = b.view.getUint32(o, true);
    const csize = width === 8 ? Number(b.view.getBigUint64(o + 4, true)) : b.view.getUint32(o + 4, true);
    const usize = width === 8 ? Number(b.view.getBigUint64(o + 4 + width, true)) : b.view.getUint32(o + 4 + width, true);
    if (crc === e.crc32 && csize === e.compressedSize && usize === e.uncompressedSize) return len;
  }
  throw corrupt(`the data descriptor after ${JSON.stringify(e.name)} is missing or disagrees with the central directory`, {
    reason: 'descriptor-mismatch',
    entry: e.name,
    offset: at,
    expected: { crc32: hex32(e.crc32), compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize },
  });
}

/** Entries must cover [0, cdOffset) exactly once, in file order. */
function checkTiling(spans: Array<{ name: string; start: number; end: number }>, cdOffset: number): void {
  spans.sort((x, y) => x.start - y.start);
  let cursor = 0;
  let previous = '(start of file)';
  for (const s of spans) {
    if (s.start < cursor) {
      throw corrupt(`the entries ${JSON.stringify(previous)} and ${JSON.stringify(s.name)} overlap`, {
        reason: 'overlap',
        entry: s.name,
        other: previous,
        expected: `>= ${cursor}`,
        actual: s.start,
      });
    }
    if (s.start > cursor) {
      throw corrupt(`${s.start - cursor} unaccounted bytes before ${JSON.stringify(s.name)} (hidden or leftover data)`, {
        reason: 'gap',
        entry: s.name,
        expected: cursor,
        actual: s.start,
      });
    }
    cursor = s.end;
    previous = s.name;
  }
  if (cursor !== cdOffset) {
    throw corrupt(`${cdOffset - cursor} unaccounted bytes between the last entry and the central directory`, {
      reason: 'gap',
      entry: previous,
      expected: cdOffset,
      actual: cursor,
    });
  }
}
