/**
 * A minimal deterministic zip writer for the sample (bundle-format.md "Reference layout"): fixed DOS
 * dates, UTF-8 names, DEFLATE by node:zlib (native; jszip's pure-JS deflate was too slow at --scale 100),
 * or STORE for already-compressed payloads (.tar.gz). No zip64: the sample stays far below 4 GiB.
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { CoreError } from '../../errors.js';

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** store instead of deflate (for .tar.gz, which are compressed already) */
  store?: boolean;
}

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** Assembles a zip from entries, in order. Same inputs ⇒ same bytes. */
export function writeZip(entries: ZipInput[], modified: Date, onEntry?: (done: number) => void): Uint8Array {
  const { time, date } = dosDateTime(modified);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.store ? Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength) : deflateRawSync(e.data, { level: 6 });
    const crc = crc32(e.data);
    const method = e.store ? 0 : 8;
    if (offset + body.length > 0xfffffff0) throw new CoreError('INTERNAL', 'The sample would exceed 4 GiB; use a smaller --scale.');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.byteLength, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0: external attrs carry the file mode
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(e.data.byteLength, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += local.length + name.length + body.length;
    onEntry?.(central.length / 2);
  }
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, ...central, end]));
}
