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
function looksLikeV7Tar(data: Uint8Array, length: number): boolean {
  if (data.length < 512 || length % 512 !== 0) return false;
  const field = Buffer.from(data.subarray(148, 156))
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : data[i]!;
  return sum === parseInt(field, 8);
}

/** How much of the file's start sniffZip looks at. */
export const SNIFF_HEAD = 512;
/** How much of the file's end sniffZip looks at (APPNOTE 4.3.16: the end record sits in the last 22 + 65535 bytes). */
export const SNIFF_TAIL = 22 + 0xffff;

/**
 * Throws NOT_A_ZIP (or ZIP_UNSUPPORTED for a split-archive marker) unless the bytes start like a zip.
 * A zip with foreign bytes in front (self-extractor, concatenation) is left to the structural walk,
 * which refuses the unaccounted bytes as ZIP_CORRUPT. `head` and `tail` are the file's first SNIFF_HEAD
 * and last SNIFF_TAIL bytes (or all of it), `length` its size.
 */
export function sniffZip(head: Uint8Array, tail: Uint8Array, length: number): void {
  if (length === 0) throw notAZip('empty (0 bytes)', { size: 0 });
  for (const [what, magic, at] of MAGIC) {
    if (startsWith(head, magic, at)) throw notAZip(what, { size: length });
  }
  if (looksLikeV7Tar(head, length)) throw notAZip('a tar archive', { size: length });
  if (head.length >= 4) {
    const sig = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
    if (sig === SIG.local || sig === SIG.eocd) return;
    if (sig === SIG.descriptor || sig === 0x30304b50) {
      throw unsupported('a split or spanned (multi-disk) archive marker at the start of the file', { reason: 'multi-disk' });
    }
  }
  if (!hasEocdNearEnd(tail)) {
    throw notAZip('not a zip archive (no zip signature found)', { size: length });
  }
}

/** APPNOTE 4.3.16: the end record sits in the last 22 + 65535 bytes (`tail` is at most those). */
function hasEocdNearEnd(tail: Uint8Array): boolean {
  const stop = Math.max(0, tail.length - SNIFF_TAIL);
  for (let i = tail.length - 22; i >= stop; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) return true;
  }
  return false;
}
