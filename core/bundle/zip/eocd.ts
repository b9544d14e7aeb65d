/**
 * Locates the end of central directory record (APPNOTE 4.3.16) and, when present, the ZIP64 locator and
 * record (4.3.14-15). Strict where readers usually guess: the comment must end exactly at end of file,
 * exactly one candidate record may fit, every disk number must be 0 (multi-disk → ZIP_UNSUPPORTED), and
 * the central directory must end exactly where the end records begin.
 */
import { SIG, hex32, type Bytes, type Reader } from './bytes.js';
import { corrupt, unsupported } from './fail.js';

/** Where the central directory is, as the end records declare it. */
export interface EndRecord {
  eocdOffset: number;
  cdOffset: number;
  cdSize: number;
  entryCount: number;
  /** offset of the first end record (zip64 record if any, else EOCD): the central directory must end here */
  cdEnd: number;
  zip64: boolean;
}

const EOCD_SIZE = 22;
const LOCATOR_SIZE = 20;

function findEocd(b: Bytes): number {
  if (b.length < EOCD_SIZE) {
    throw corrupt('the file is too short to hold an end of central directory record (truncated)', {
      reason: 'truncated',
      fileSize: b.length,
      expected: `>= ${EOCD_SIZE} bytes`,
    });
  }
  const fits: number[] = [];
  let nearest = -1;
  const stop = Math.max(0, b.length - EOCD_SIZE - 0xffff);
  for (let i = b.length - EOCD_SIZE; i >= stop; i--) {
    if (b.peek32(i) !== SIG.eocd) continue;
    if (nearest < 0) nearest = i;
    if (i + EOCD_SIZE + b.u16(i + 20, 'end record') === b.length) fits.push(i);
  }
  if (nearest < 0) {
    throw corrupt('no end of central directory record was found (the file is truncated or not a complete zip)', {
      reason: 'eocd-missing',
      fileSize: b.length,
    });
  }
  if (fits.length === 0) {
    const declared = b.u16(nearest + 20, 'end record');
    throw corrupt("the end record's comment length does not end at the end of the file (extra or missing bytes at the end)", {
      reason: 'comment-length',
      offset: nearest,
      expected: b.length - nearest - EOCD_SIZE,
      actual: declared,
    });
  }
  if (fits.length > 1) {
    throw corrupt('more than one end of central directory record fits the file (a record hidden in the comment)', {
      reason: 'eocd-ambiguous',
      offsets: fits,
    });
  }
  return fits[0]!;
}

/**
 * Reads and cross-checks the end records; returns where the central directory lies. Only the file's
 * tail (the end record, its comment and the ZIP64 locator) and the ZIP64 record are read.
 */
export async function readEndRecord(r: Reader): Promise<EndRecord> {
  const tailSize = Math.min(r.length, EOCD_SIZE + 0xffff + LOCATOR_SIZE);
  const b = await r.cover(r.length - tailSize, tailSize);
  const at = findEocd(b);
  const disk = b.u16(at + 4, 'end record');
  const cdDisk = b.u16(at + 6, 'end record');
  const onDisk16 = b.u16(at + 8, 'end record');
  const total16 = b.u16(at + 10, 'end record');
  const cdSize32 = b.u32(at + 12, 'end record');
  const cdOffset32 = b.u32(at + 16, 'end record');
  if (disk !== 0 || cdDisk !== 0) {
    throw unsupported(`a multi-disk (split) archive: disk number ${disk}, central directory on disk ${cdDisk}`, {
      reason: 'multi-disk',
      expected: 0,
      actual: disk || cdDisk,
    });
  }
  if (onDisk16 !== total16) {
    throw unsupported('a multi-disk (split) archive: entries on this disk differ from the total', {
      reason: 'multi-disk',
      expected: total16,
      actual: onDisk16,
    });
  }

  const hasLocator = at >= LOCATOR_SIZE && b.peek32(at - LOCATOR_SIZE) === SIG.zip64Locator;
  const marked = total16 === 0xffff || cdSize32 === 0xffffffff || cdOffset32 === 0xffffffff;
  if (!hasLocator) {
    if (marked)
      throw corrupt('the end record points to ZIP64 values but there is no ZIP64 end of central directory locator', {
        reason: 'zip64-locator-missing',
        offset: at,
      });
    checkCdBounds(b, cdOffset32, cdSize32, at);
    return { eocdOffset: at, cdOffset: cdOffset32, cdSize: cdSize32, entryCount: total16, cdEnd: at, zip64: false };
  }

  const loc = at - LOCATOR_SIZE;
  const recordDisk = b.u32(loc + 4, 'zip64 locator');
  const recordOffset = b.u64(loc + 8, 'zip64 locator');
  const disks = b.u32(loc + 16, 'zip64 locator');
  if (recordDisk !== 0 || disks > 1) {
    throw unsupported(`a multi-disk (split) archive: ZIP64 locator names disk ${recordDisk} of ${disks}`, {
      reason: 'multi-disk',
      expected: '1 disk',
      actual: disks,
    });
  }
  const rec = await r.cover(recordOffset, 56);
  rec.need(recordOffset, 56, 'zip64 end of central directory record');
  const sig = rec.u32(recordOffset, 'zip64 end record');
  if (sig !== SIG.zip64Eocd) {
    throw corrupt('invalid ZIP64 end of central directory record signature', {
      reason: 'bad-signature',
      what: 'zip64 end record',
      offset: recordOffset,
      expected: hex32(SIG.zip64Eocd),
      actual: hex32(sig),
    });
  }
  const recordSize = rec.u64(recordOffset + 4, 'zip64 end record');
  if (recordSize < 44 || recordOffset + 12 + recordSize !== loc) {
    throw corrupt("the ZIP64 end record's size does not reach exactly to its locator", {
      reason: 'zip64-record-size',
      offset: recordOffset,
      expected: loc - recordOffset - 12,
      actual: recordSize,
    });
  }
  const disk64 = rec.u32(recordOffset + 16, 'zip64 end record');
  const cdDisk64 = rec.u32(recordOffset + 20, 'zip64 end record');
  const onDisk64 = rec.u64(recordOffset + 24, 'zip64 end record');
  const total64 = rec.u64(recordOffset + 32, 'zip64 end record');
  const cdSize64 = rec.u64(recordOffset + 40, 'zip64 end record');
  const cdOffset64 = rec.u64(recordOffset + 48, 'zip64 end record');
  if (disk64 !== 0 || cdDisk64 !== 0 || onDisk64 !== total64) {
    throw unsupported(`a multi-disk (split) archive: ZIP64 record names disk ${disk64 || cdDisk64}`, {
      reason: 'multi-disk',
      expected: 0,
      actual: disk64 || cdDisk64,
    });
  }
  agree('entry count', total16, 0xffff, total64);
  agree('central directory size', cdSize32, 0xffffffff, cdSize64);
  agree('central directory offset', cdOffset32, 0xffffffff, cdOffset64);
  checkCdBounds(b, cdOffset64, cdSize64, recordOffset);
  return { eocdOffset: at, cdOffset: cdOffset64, cdSize: cdSize64, entryCount: total64, cdEnd: recordOffset, zip64: true };
}

/** A 16/32-bit field either holds the ZIP64 marker or the same value as the ZIP64 record. */
function agree(what: string, small: number, marker: number, big: number): void {
  if (small !== marker && small !== big) {
    throw corrupt(`the end record and the ZIP64 end record disagree about the ${what}`, {
      reason: 'zip64-mismatch',
      what,
      expected: big,
      actual: small,
    });
  }
}

function checkCdBounds(b: Bytes, cdOffset: number, cdSize: number, cdEnd: number): void {
  if (cdOffset + cdSize !== cdEnd) {
    throw corrupt('the central directory does not end where the end record begins (missing or extra bytes, or wrong offsets)', {
      reason: 'cd-bounds',
      expected: cdEnd,
      actual: cdOffset + cdSize,
      cdOffset,
      cdSize,
      fileSize: b.length,
    });
  }
}
