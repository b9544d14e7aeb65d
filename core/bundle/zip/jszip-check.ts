/**
 * The second opinion on names: jszip must see the same entries we do. jszip quietly rewrites `../` and
 * `./` out of names (keeping the original in `unsafeOriginalName`), decodes names its own way (flag bit 11,
 * Unicode Path extra field) and tolerates faults our walk refuses, so it runs after our walk and only
 * confirms it: any jszip failure is ZIP_CORRUPT, any renamed entry ZIP_UNSAFE_PATH, any disagreement
 * about the entries ZIP_CORRUPT.
 *
 * jszip reads a skeleton of the zip, not the zip: every header field that shapes a name (name bytes, flags,
 * extra fields, version made by, external attributes) as the file has it, but no entry data. jszip's
 * reader runs a JavaScript loop over every byte it is given (and writes to it), ~3 ms per MB; the data
 * itself is checked natively by our walk and zip/inflate.ts.
 */
import JSZip from 'jszip';
import type { CentralEntry } from './central.js';
import { ZIP64_ID } from './extra.js';
import { corrupt, unsafePath } from './fail.js';
import { writeRawZip } from './raw-writer.js';

const bare = (name: string): string => name.replace(/\/$/, '');

/** The entries' naming fields as the file has them, with no data (and so no ZIP64 values to carry). */
export function skeletonOf(entries: CentralEntry[]): Uint8Array {
  const empty = new Uint8Array(0);
  return writeRawZip(
    entries.map((e) => ({
      name: e.name,
      rawName: e.rawName,
      flags: e.flags & ~0x08,
      method: e.method,
      data: empty,
      compressed: empty,
      crc32: 0,
      versionMadeBy: e.versionMadeBy,
      externalAttrs: e.externalAttrs,
      centralExtra: extraWithoutZip64(e),
    })),
  );
}

function extraWithoutZip64(e: CentralEntry): Uint8Array {
  const parts: Buffer[] = [];
  for (const [id, value] of e.extra) {
    if (id === ZIP64_ID) continue;
    const head = Buffer.alloc(4);
    head.writeUInt16LE(id, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, Buffer.from(value.buffer, value.byteOffset, value.length));
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Loads the skeleton with jszip and compares its entry list with ours. */
export async function crossCheckWithJszip(entries: CentralEntry[]): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(skeletonOf(entries), { checkCRC32: false, createFolders: false });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw corrupt(`the zip library could not read it (${message})`, { reason: 'jszip', jszip: message });
  }
  const theirs = Object.values(zip.files);
  for (const f of theirs) {
    const original = (f as JSZip.JSZipObject & { unsafeOriginalName?: string }).unsafeOriginalName;
    if (original !== undefined && original !== f.name) {
      throw unsafePath(original, 'rewritten by the zip library', { rewrittenAs: f.name });
    }
  }
  const ours = new Set(entries.map((e) => bare(e.name)));
  const seen = new Set(theirs.map((f) => bare((f as JSZip.JSZipObject & { unsafeOriginalName?: string }).unsafeOriginalName ?? f.name)));
  const missing = [...ours].filter((n) => !seen.has(n));
  const extra = [...seen].filter((n) => !ours.has(n));
  if (theirs.length !== entries.length || missing.length > 0 || extra.length > 0) {
    throw corrupt('two zip readers disagree about the entries of this zip', {
      reason: 'reader-disagreement',
      expected: entries.length,
      actual: theirs.length,
      onlyOurs: missing.slice(0, 10),
      onlyJszip: extra.slice(0, 10),
    });
  }
}
