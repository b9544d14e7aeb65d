/**
 * Bounds-checked little-endian reads over part of the raw zip (APPNOTE 4.3: all values little-endian).
 * Offsets are always offsets in the file, whichever window of it is in memory; every read outside the
 * file is a truncation, reported as ZIP_CORRUPT rather than a RangeError.
 */
import { CoreError } from '../../errors.js';
import { corrupt } from './fail.js';

/** A window of the file (`data` holds its bytes from `base` on) with reads that refuse to run past its end. */
export class Bytes {
  readonly view: DataView;
  /** the length of the whole file */
  readonly length: number;

  constructor(
    readonly data: Uint8Array,
    readonly base = 0,
    fileLength = data.byteLength,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.length = fileLength;
  }

  /** Throws ZIP_CORRUPT unless [offset, offset+size) lies inside the file. */
  need(offset: number, size: number, what: string): void {
    if (offset < 0 || size < 0 || offset + size > this.length) {
      throw corrupt(`${what} runs past the end of the file (truncated)`, {
        reason: 'truncated',
        what,
        offset,
        size,
        fileSize: this.length,
      });
    }
    // inside the file but not in this window: the caller asked for the wrong window (a bug, not bad input)
    if (offset < this.base || offset + size > this.base + this.data.byteLength)
      throw new CoreError('INTERNAL', `Internal error: ${what} at ${offset} (+${size}) is outside the window read from the zip.`);
  }

  /** The 32-bit value at `offset`, or undefined where the window has no 4 bytes (a probe, not a read). */
  peek32(offset: number): number | undefined {
    const at = offset - this.base;
    return at >= 0 && at + 4 <= this.data.byteLength ? this.view.getUint32(at, true) : undefined;
  }

  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset - this.base, true);
  }

  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset - this.base, true);
  }

  /** 64-bit value; anything beyond 2^53 cannot be an offset or size inside a real file. */
  u64(offset: number, what: string): number {
    this.need(offset, 8, what);
    const value = this.view.getBigUint64(offset - this.base, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw corrupt(`${what} is impossibly large (${value})`, { reason: 'value-too-large', what, offset, actual: value.toString() });
    }
    return Number(value);
  }

  slice(offset: number, size: number, what: string): Uint8Array {
    this.need(offset, size, what);
    return this.data.subarray(offset - this.base, offset - this.base + size);
  }
}

/** Positioned access to the zip: windows of it, never the whole file (unless it is already in memory). */
export interface Reader {
  /** the length of the whole file */
  readonly length: number;
  /**
   * A window holding [offset, offset + size) clipped to the file (the window's reads then report a
   * truncation for what lies past the end).
   */
  cover(offset: number, size: number): Promise<Bytes>;
  /** Exactly the bytes [offset, offset + size) clipped to the file, as a fresh or shared buffer the caller only reads. */
  read(offset: number, size: number): Promise<Uint8Array>;
}

/** A Reader over bytes already in memory (callers that pass a Uint8Array: tests, fixtures, uploads held whole). */
export function memoryReader(data: Uint8Array): Reader {
  const whole = new Bytes(data);
  return {
    length: data.byteLength,
    cover: async () => whole,
    read: async (offset, size) => data.subarray(Math.min(offset, data.byteLength), Math.min(offset + size, data.byteLength)),
  };
}

export const hex32 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** Signatures (APPNOTE 4.3.7, 4.3.12, 4.3.14-16, 4.3.9.3). */
export const SIG = {
  local: 0x04034b50,
  central: 0x02014b50,
  eocd: 0x06054b50,
  zip64Eocd: 0x06064b50,
  zip64Locator: 0x07064b50,
  descriptor: 0x08074b50,
} as const;
