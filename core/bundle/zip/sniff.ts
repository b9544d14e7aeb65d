/**
 * Tells a zip from everything else before any structural walk, so a .tar, .gz or an empty file gets
 * ISE's NOT_A_ZIP wording with what was detected (bundle-format.md "What is public": ISE accepts one
 * .zip; .tar, .gz and other archives are refused).
 */
import { notAZip, unsupported } from './fail.js';
import { SIG } from './bytes.js';

const MAGIC: Array<[string, number[], number]> = [
  ['a gzip file (.gz or .tar.gz)', [0x1f, 0x8b], 0],
  ['a bzip2 file', [0x42, 0x5a, 0x68], 0],
  ['an xz file', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 0],
  ['a 7-Zip archive', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 0],
  ['a RAR archive', [0x52, 0x61, 0x72, 0x21], 0],
  ['a zstd file', [0x28, 0xb5, 0x2f, 0xfd], 0],
  ['a tar archive', [0x75, 0x73, 0x74, 0x61, 0x72], 257], // "ustar" (POSIX and GNU tar)
];

function startsWith(data: Uint8Array, magic: number[], at: number): boolean {
  if (data.length < at + magic.length) return false;
  return magic.every((b, i) => data[at + i] === b);
}

/** A plain v7 tar has no magic: its first header's checksum field is the only tell. */
function looksLikeV7Tar(data: Uint8Array): boolean {
  if (data.length < 512 || data.length % 512 !== 0) return false;
  const field = Buffer.from(data.subarray(148, 156))
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : data[i]!;
  return sum === parseInt(field, 8);
}

/**
 * Throws NOT_A_ZIP (or ZIP_UNSUPPORTED for a split-archive marker) unless the bytes start like a zip.
 * A zip with foreign bytes in front (self-extractor, concatenation) is left to the structural walk,
 * which refuses the unaccounted bytes as ZIP_CORRUPT.
 */
export function sniffZip(data: Uint8Array): void {
  if (data.length === 0) throw notAZip('empty (0 bytes)', { size: 0 });
  for (const [what, magic, at] of MAGIC) {
    if (startsWith(data, magic, at)) throw notAZip(what, { size: data.length });
  }
  if (looksLikeV7Tar(data)) throw notAZip('a tar archive', { size: data.length });
  if (data.length >= 4) {
    const sig = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
    if (sig === SIG.local || sig === SIG.eocd) return;
    if (sig === SIG.descriptor || sig === 0x30304b50) {
      throw unsupported('a split or spanned (multi-disk) archive marker at the start of the file', { reason: 'multi-disk' });
    }
  }
  if (!hasEocdNearEnd(data)) {
    throw notAZip('not a zip archive (no zip signature found)', { size: data.length });
  }
}

/** APPNOTE 4.3.16: the end record sits in the last 22 + 65535 bytes. */
function hasEocdNearEnd(data: Uint8Array): boolean {
  const stop = Math.max(0, data.length - 22 - 0xffff);
  for (let i = data.length - 22; i >= stop; i--) {
    if (data[i] === 0x50 && data[i + 1] === 0x4b && data[i + 2] === 0x05 && data[i + 3] === 0x06) return true;
  }
  return false;
}
