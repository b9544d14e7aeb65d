/**
 * Bounds-checked little-endian reads over the raw zip bytes (APPNOTE 4.3: all values little-endian).
 * Every read outside the file is a truncation, reported as ZIP_CORRUPT rather than a RangeError.
 */
import { corrupt } from './fail.js';

/** A view over the whole file with reads that refuse to run past its end. */
export class Bytes {
  readonly view: DataView;
  readonly length: number;

  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.length = data.byteLength;
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
  }

  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  /** 64-bit value; anything beyond 2^53 cannot be an offset or size inside a real file. */
  u64(offset: number, what: string): number {
    this.need(offset, 8, what);
    const value = this.view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw corrupt(`${what} is impossibly large (${value})`, { reason: 'value-too-large', what, offset, actual: value.toString() });
    }
    return Number(value);
  }

  slice(offset: number, size: number, what: string): Uint8Array {
    this.need(offset, size, what);
    return this.data.subarray(offset, offset + size);
  }
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
