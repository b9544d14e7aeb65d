/**
 * Extra fields (APPNOTE 4.5): a sequence of {id u16, size u16, data}. Every field must lie inside its
 * buffer and the fields must fill it exactly; an id may appear once. The ZIP64 field (4.5.3) must hold
 * each value whose 16/32-bit header field carries the marker, in the fixed order
 * uncompressed size, compressed size, local header offset, disk number.
 */
import { corrupt } from './fail.js';

/** Extra fields by id; values are views into the zip bytes. */
export type ExtraFields = Map<number, Uint8Array>;

export const ZIP64_ID = 0x0001;
export const UNICODE_PATH_ID = 0x7075;

/** Splits an extra-field buffer, refusing lengths that run past it or leftover bytes. */
export function parseExtra(buf: Uint8Array, entry: string, where: 'central' | 'local'): ExtraFields {
  const fields: ExtraFields = new Map();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) {
      throw corrupt(`the ${where} extra field of ${JSON.stringify(entry)} ends with a partial header`, {
        reason: 'extra-field-length',
        entry,
        where,
        expected: pos + 4,
        actual: buf.length,
      });
    }
    const id = view.getUint16(pos, true);
    const size = view.getUint16(pos + 2, true);
    if (pos + 4 + size > buf.length) {
      throw corrupt(`extra field length exceeds the extra field buffer of ${JSON.stringify(entry)} (${where} header)`, {
        reason: 'extra-field-length',
        entry,
        where,
        fieldId: id,
        expected: buf.length - pos - 4,
        actual: size,
      });
    }
    if (fields.has(id)) {
      throw corrupt(`the ${where} header of ${JSON.stringify(entry)} repeats extra field 0x${id.toString(16).padStart(4, '0')}`, {
        reason: 'extra-field-repeated',
        entry,
        where,
        fieldId: id,
      });
    }
    fields.set(id, buf.subarray(pos + 4, pos + 4 + size));
    pos += 4 + size;
  }
  return fields;
}

/** The header values that the ZIP64 field may replace. */
export interface Zip64Values {
  uncompressedSize: number;
  compressedSize: number;
  localOffset: number;
  diskStart: number;
}

const MAX32 = 0xffffffff;

/**
 * Replaces marked values with the ZIP64 field's. Central headers must carry every marked value;
 * local headers (where = 'local') only ever carry the two sizes.
 */
export function applyZip64(
  values: Zip64Values,
  fields: ExtraFields,
  entry: string,
  where: 'central' | 'local',
): Zip64Values & { zip64: boolean } {
  const field = fields.get(ZIP64_ID);
  const wanted: Array<[keyof Zip64Values, number, string]> = [];
  if (values.uncompressedSize === MAX32) wanted.push(['uncompressedSize', 8, 'uncompressed size']);
  if (values.compressedSize === MAX32) wanted.push(['compressedSize', 8, 'compressed size']);
  if (where === 'central' && values.localOffset === MAX32) wanted.push(['localOffset', 8, 'relative header offset']);
  if (where === 'central' && values.diskStart === 0xffff) wanted.push(['diskStart', 4, 'disk start number']);
  if (wanted.length === 0) return { ...values, zip64: field !== undefined };
  const out = { ...values, zip64: true };
  if (field === undefined) {
    throw corrupt(`the ${where} header of ${JSON.stringify(entry)} marks ZIP64 values but has no ZIP64 extra field`, {
      reason: 'zip64-field-missing',
      entry,
      where,
      missing: wanted.map((w) => w[2]),
    });
  }
  const view = new DataView(field.buffer, field.byteOffset, field.byteLength);
  let pos = 0;
  for (const [key, width, label] of wanted) {
    if (pos + width > field.length) {
      throw corrupt(`zip64 extended information extra field of ${JSON.stringify(entry)} does not include the ${label}`, {
        reason: 'zip64-field-short',
        entry,
        where,
        missing: label,
        expected: `>= ${pos + width} bytes`,
        actual: field.length,
      });
    }
    const value = width === 8 ? view.getBigUint64(pos, true) : BigInt(view.getUint32(pos, true));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw corrupt(`the ZIP64 ${label} of ${JSON.stringify(entry)} is impossibly large`, {
        reason: 'value-too-large',
        entry,
        what: label,
        actual: value.toString(),
      });
    }
    out[key] = Number(value);
    pos += width;
  }
  return out;
}
