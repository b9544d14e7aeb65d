/**
 * The sample's zip (bundle-format.md "Reference layout"): fixed DOS dates, UTF-8 names, DEFLATE by
 * node:zlib (native; jszip's pure-JS deflate was too slow at --scale 100), or STORE for
 * already-compressed payloads (.tar.gz). The headers are written by zip/raw-writer.ts, the one zip
 * writer of the codebase. No zip64: the sample stays far below 4 GiB.
 */
import { deflateRawSync } from 'node:zlib';
import { CoreError } from '../../errors.js';
import { writeRawZip, type RawEntry } from '../zip/raw-writer.js';

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** store instead of deflate (for .tar.gz, which are compressed already) */
  store?: boolean;
}

/** APPNOTE 4.4.6: the DOS time and date fields of `d` (UTC). */
export function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** Assembles a zip from entries, in order. Same inputs ⇒ same bytes. */
export function writeZip(entries: ZipInput[], modified: Date, onEntry?: (done: number) => void): Uint8Array {
  const raw: RawEntry[] = [];
  let offset = 0;
  for (const e of entries) {
    // compressing is the slow part: one progress step per entry
    const compressed = e.store ? e.data : new Uint8Array(deflateRawSync(e.data, { level: 6 }));
    if (offset + compressed.length > 0xfffffff0) throw new CoreError('INTERNAL', 'The sample would exceed 4 GiB; use a smaller --scale.');
    offset += 30 + Buffer.byteLength(e.name, 'utf8') + compressed.length;
    raw.push({ name: e.name, data: e.data, method: e.store ? 0 : 8, compressed });
    onEntry?.(raw.length);
  }
  return writeRawZip(raw, dosDateTime(modified));
}
