/**
 * Bytes → checked text for the XML stream (XML 1.0 §2.2 "Characters", §4.3.3 "Character Encoding in
 * Entities"): the document must be UTF-8, may start with one byte order mark, and may hold only
 * characters XML 1.0 allows (`#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`).
 * A second BOM (U+FEFF anywhere but at byte 0) is refused too: it is invisible and tools disagree on it.
 * Every refusal names the byte offset. Chunks are cut at character boundaries, so offsets stay exact and
 * no string is ever built from more than one chunk here.
 */
import { isAscii, isUtf8 } from 'node:buffer';

/** One chunk of the document as text, with the byte offset of its first character. */
export interface Piece {
  text: string;
  /** byte offset of text[0] in the document */
  offset: number;
  /** every character is one byte (so character index = byte offset - offset) */
  ascii: boolean;
}

/** The byte offset of character `index` of a piece. */
export function byteOffset(piece: Piece, index: number): number {
  return piece.ascii ? piece.offset + index : piece.offset + Buffer.byteLength(piece.text.slice(0, index), 'utf8');
}

/** A refusal raised by the character layer: what, why (a details reason) and where. */
export type CharFail = (problem: string, reason: 'encoding' | 'char' | 'bom', offset: number) => Error;

// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufeff\ufffe\uffff]/;

/** Splits a byte stream into Pieces of valid UTF-8 holding only XML 1.0 characters. */
export class Utf8Pieces {
  private carry: Buffer | null = null;
  private next = 0;

  constructor(private readonly fail: CharFail) {}

  /** The next piece (null when the chunk only holds part of a character). */
  push(chunk: Uint8Array): Piece | null {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) {
      bytes = Buffer.concat([this.carry, bytes]);
      this.carry = null;
    }
    const cut = completeLength(bytes);
    if (cut < bytes.length) this.carry = Buffer.from(bytes.subarray(cut));
    if (cut === 0) return null;
    const body = bytes.subarray(0, cut);
    const offset = this.next;
    this.next += cut;
    const ascii = isAscii(body);
    if (!ascii && !isUtf8(body)) {
      throw this.fail('the bytes are not valid UTF-8', 'encoding', offset + firstInvalidUtf8(body));
    }
    let text = ascii ? body.toString('latin1') : body.toString('utf8');
    let start = offset;
    if (offset === 0 && text.charCodeAt(0) === 0xfeff) {
      // one leading byte order mark is allowed, and is not part of the document
      text = text.slice(1);
      start = 3;
    }
    const piece: Piece = { text, offset: start, ascii };
    const bad = NOT_XML_CHAR.exec(text);
    if (bad) {
      const code = bad[0].charCodeAt(0);
      const at = byteOffset(piece, bad.index);
      if (code === 0xfeff) throw this.fail('a second byte order mark (U+FEFF); only one, at the very start, is allowed', 'bom', at);
      throw this.fail(
        `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}${code === 0 ? ' (NUL)' : ''} is not allowed in XML 1.0`,
        'char',
        at,
      );
    }
    return piece;
  }

  /** Refuses a document that ends in the middle of a character. */
  end(): void {
    if (this.carry) throw this.fail('the bytes end in the middle of a UTF-8 character', 'encoding', this.next);
  }
}

/** How many leading bytes end on a character boundary (an incomplete last sequence waits for the next chunk). */
function completeLength(b: Buffer): number {
  const n = b.length;
  // walk back over at most 3 continuation bytes to the last lead byte
  for (let back = 1; back <= 4 && back <= n; back++) {
    const c = b[n - back] as number;
    if (c < 0x80) return n;
    if (c >= 0xc0) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return need > back ? n - back : n;
    }
  }
  return n; // not UTF-8 at all: let validation say where
}

/** The index of the first byte that breaks UTF-8 (overlong, surrogate, > U+10FFFF, truncated, stray). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [need, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [need, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return b.length;
}
