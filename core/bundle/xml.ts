/**
 * Streaming XML for every payload, the manifest and the update feed: the product's one XML stack
 * (bundle-format.md: "No DOCTYPE anywhere (any DTD is refused, never expanded)"; bad XML is
 * PAYLOAD_INVALID / MANIFEST_INVALID, and FEED_INVALID for the feed).
 *
 * Parser: saxen (maintained, namespace-aware SAX, streaming; saxes parsed our payloads 3× slower and
 * is no longer used anywhere). saxen is forgiving, so this module makes it strict:
 * - XML 1.0 only, UTF-8 only (xml/chars.ts): one optional leading BOM, no second one, no character
 *   XML 1.0 does not allow (NUL, other C0 controls, U+FFFE/U+FFFF), each refusal naming its byte offset;
 * - the XML declaration, when present, comes first (nothing before `<?xml`, not even whitespace), says
 *   version 1.0 and, if it names an encoding, UTF-8. A document without a declaration is accepted:
 *   XML 1.0 §4.3.3 makes UTF-8 its encoding, which is what we check, and the sample's payloads have none;
 * - every saxen warning is an error, `<!…>` declarations (DOCTYPE) are refused, never read or expanded,
 *   one root only, at most MAX_DEPTH levels, entity references decoded here: only the five predefined
 *   entities and character references to valid XML characters;
 * - linear time and bounded memory (xml/markup.ts hands saxen whole tokens only; long text is streamed;
 *   one token is at most MAX_MARKUP characters) and bounded work (xml/budget.ts).
 * Bytes arrive in chunks (write/end), so a nested .tar.gz member is parsed as it inflates.
 */
import { Parser } from 'saxen';
import { CoreError } from '../errors.js';
import { ATOM_NS, PAYLOAD_NS, UPDATE_NS } from './layout.js';
import { overLimit } from './zip/fail.js';
import { Utf8Pieces, type Piece } from './xml/chars.js';
import { MarkupScanner, offsetOf, type Pos, type TokenKind } from './xml/markup.js';
import { XmlBudget, XML_NODES_FLOOR } from './xml/budget.js';

export { XmlBudget };

/** One start tag: local name, namespace URI and attribute values (entity-decoded) by name. */
export interface XmlTag {
  local: string;
  uri: string;
  name: string;
  attrs: Record<string, string>;
}

export interface XmlHandlers {
  open(tag: XmlTag, depth: number): void;
  close?(local: string, depth: number): void;
  /** text and CDATA, entity-decoded; a long text node may arrive in several calls */
  text?(text: string, depth: number): void;
}

export interface XmlWhere {
  /** the zip entry (and tar member) being parsed, for error details; for the feed, its URL */
  entry: string;
  member?: string;
  code: 'PAYLOAD_INVALID' | 'MANIFEST_INVALID' | 'FEED_INVALID';
  /** what to do, ending each refusal's message (default: download the bundle again) */
  next?: string;
}

/** Namespaces we look at get fixed prefixes in saxen's ns mode, so names map back to URIs. */
const KNOWN_NS: Record<string, string> = {
  [ATOM_NS]: 'atom',
  [UPDATE_NS]: 'update',
  [PAYLOAD_NS.conditions]: 'psc',
  [PAYLOAD_NS.avas]: 'psa',
  [PAYLOAD_NS.os]: 'pso',
};
const PREFIX_URI = new Map(Object.entries(KNOWN_NS).map(([uri, p]) => [p, uri]));
/** Deeper nesting is refused: our documents are a few levels deep, and a deep tree would overflow recursive consumers (JSON). */
const MAX_DEPTH = 64;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const XML_SPACE = /^[ \t\r\n]*$/;
/** XML 1.0 [23] XMLDecl, with the version fixed to 1.0 and the encoding checked apart. */
const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|'1\.0')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>$/;
const DEFAULT_NEXT = 'The bundle is damaged; download it again.';

function validChar(c: number): boolean {
  return (
    c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
  );
}

/**
 * A copy of a string that handlers keep: parser strings are slices of the chunk they came from,
 * and one kept slice would keep its whole chunk alive (the whole document, over many kept names).
 */
export function own(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

const fileOf = (where: XmlWhere) => (where.member ? `${where.entry} (${where.member})` : where.entry);
const baseOf = (where: XmlWhere) => ({ entry: where.entry, ...(where.member ? { member: where.member } : {}) });

/** Thrown from handlers to say the document is well-formed XML but not the expected shape. */
export function shapeError(where: XmlWhere, problem: string, extra: Record<string, unknown> = {}): CoreError {
  return new CoreError(where.code, `${fileOf(where)}: ${problem}. The bundle is damaged or was not made for ISE; download it again.`, {
    ...baseOf(where),
    reason: 'shape',
    problem,
    ...extra,
  });
}

/** A handler-side cap on text a handler collects (a version, a hash): longer is a shape error, never an ever-growing string. */
export class TextField {
  private parts: string[] = [];
  private length = 0;
  constructor(
    private readonly where: XmlWhere,
    private readonly name: string,
    private readonly max = 4096,
  ) {}
  add(s: string): void {
    this.length += s.length;
    if (this.length > this.max) throw shapeError(this.where, `${this.name} is longer than ${this.max} characters`, { field: this.name });
    this.parts.push(s);
  }
  /** The text collected so far (trimmed), and a fresh start. */
  take(): string {
    const s = this.parts.join('').trim();
    this.parts = [];
    this.length = 0;
    return s;
  }
}

export interface XmlStreamOptions {
  /** the work budget shared by every document of a bundle (default: a fresh one of XML_NODES_FLOOR units) */
  budget?: XmlBudget;
}

/** A strict XML 1.0 parse fed in chunks: write(bytes)… then end(). Handlers run as the bytes arrive. */
export class XmlStream {
  private readonly parser = new Parser();
  private readonly chars: Utf8Pieces;
  private readonly scanner: MarkupScanner;
  private readonly budget: XmlBudget;
  private depth = 0;
  private roots = 0;
  private readonly stack: string[] = [];
  private first: Piece | null = null;
  private bytes = 0;
  /** the batch saxen is parsing, to turn its line/column into a byte offset */
  private current: { text: string; at: Pos } | null = null;
  private ended = false;

  constructor(
    private readonly handlers: XmlHandlers,
    private readonly where: XmlWhere,
    opts: XmlStreamOptions = {},
  ) {
    this.budget = opts.budget ?? new XmlBudget(XML_NODES_FLOOR);
    this.chars = new Utf8Pieces((problem, reason, offset) => this.malformed(problem, reason, offset));
    this.scanner = new MarkupScanner({
      batch: (text, at) => this.parseBatch(text, at),
      text: (text, at) => this.onText(text, at),
      token: (kind, at, attributes, text) => this.onToken(kind, at, attributes, text),
      fail: (problem, reason, at, extra) =>
        reason === 'limit' ? this.malformed(problem, 'limit', offsetOf(at), extra) : this.malformed(problem, reason, offsetOf(at)),
    });
    this.wireParser();
  }

  /** Parses the next chunk of the document's bytes. */
  write(chunk: Uint8Array): void {
    // text costs one unit per 64 bytes (markup is counted per token and attribute by the scanner)
    const units = Math.floor((this.bytes + chunk.byteLength) / 64) - Math.floor(this.bytes / 64);
    this.bytes += chunk.byteLength;
    if (units > 0 && !this.budget.spend(units)) throw this.overBudget(this.bytes);
    const piece = this.chars.push(chunk);
    if (!piece) return;
    this.first ??= piece;
    this.scanner.push(piece);
  }

  /** Charges the budget for what a handler keeps (an item, a long string): memory is work too. */
  charge(units: number): void {
    if (!this.budget.spend(units)) throw this.overBudget(this.bytes);
  }

  /** The document is complete: checks what can only be checked at its end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.chars.end();
    this.scanner.end();
    this.current = null;
    try {
      this.parser.end();
    } catch (e) {
      if (e instanceof CoreError) throw e;
      throw this.malformed((e as Error).message, 'malformed', this.bytes);
    }
    if (this.roots === 0) throw this.malformed('no root element', 'malformed', this.bytes);
  }

  // --- refusals

  private malformed(problem: string, reason: string, offset: number, extra: Record<string, unknown> = {}): CoreError {
    const what =
      reason === 'encoding' && problem === 'the bytes are not valid UTF-8'
        ? `${fileOf(this.where)} is not valid UTF-8 text (at byte ${offset})`
        : `${fileOf(this.where)} is not well-formed XML (${problem}, at byte ${offset})`;
    return new CoreError(this.where.code, `${what}. ${this.where.next ?? DEFAULT_NEXT}`, {
      ...baseOf(this.where),
      reason,
      problem,
      offset,
      ...extra,
    });
  }

  /** The byte offset saxen's context points at (line/column within the batch being parsed). */
  private saxenOffset(ctx: () => { line: number; column: number }): number {
    const cur = this.current;
    if (!cur) return this.bytes;
    const { line, column } = ctx();
    let index = 0;
    for (let l = 0; l < line; l++) {
      const n = cur.text.slice(index).search(/\r\n|\r|\n/);
      if (n === -1) break;
      index += n + (cur.text.startsWith('\r\n', index + n) ? 2 : 1);
    }
    index += column;
    const start = cur.at;
    return offsetOf(start) + Buffer.byteLength(cur.text.slice(0, index), 'utf8');
  }

  /** The refusal once the budget is spent (checked per call without building anything: this runs for every token). */
  private overBudget(offset: number): CoreError {
    const max = this.budget.max;
    return overLimit(
      `${fileOf(this.where)} holds more XML than a bundle of this size plausibly carries (over ${max} elements, attributes and entity references)`,
      { ...baseOf(this.where), limit: 'maxXmlNodes', max, offset },
    );
  }

  // --- scanner events

  private onToken(kind: TokenKind, at: Pos, attributes: number, token: string): void {
    if (!this.budget.spend(1 + attributes)) throw this.overBudget(offsetOf(at));
    if (kind !== 'pi') return;
    const target = /^<\?([^ \t\r\n?]*)/.exec(token)?.[1] ?? '';
    if (target.toLowerCase() !== 'xml') return;
    const offset = offsetOf(at);
    if (target !== 'xml') throw this.malformed(`the processing instruction target "${target}" is reserved`, 'declaration', offset);
    const start = this.first?.offset ?? 0;
    if (offset !== start) {
      const n = offset - start;
      throw this.malformed(
        `the XML declaration <?xml …?> must be the very first thing in the document, but ${n} byte${n === 1 ? '' : 's'} come before it`,
        'declaration',
        offset,
      );
    }
    const m = XML_DECL.exec(token);
    if (!m) throw this.malformed('the XML declaration is not <?xml version="1.0" encoding="UTF-8"?>', 'declaration', offset);
    const encoding = m[1] ?? m[2];
    if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8')
      throw this.malformed(`the XML declaration names the encoding ${encoding}; only UTF-8 is accepted`, 'encoding', offset, {
        encoding,
      });
  }

  private parseBatch(text: string, at: Pos): void {
    this.current = { text, at };
    try {
      this.parser.write(text);
    } catch (e) {
      if (e instanceof CoreError) throw e;
      throw this.malformed((e as Error).message, 'malformed', offsetOf(at));
    }
  }

  /** A long text run, handed over directly by the scanner. */
  private onText(raw: string, at: Pos): void {
    if (this.depth === 0) {
      if (!XML_SPACE.test(raw)) throw this.malformed('text outside the root element', 'malformed', offsetOf(at));
      return;
    }
    this.deliverText(raw, () => offsetOf(at));
  }

  private deliverText(raw: string, offset: () => number): void {
    const s = this.decode(raw, offset);
    this.handlers.text?.(s, this.depth);
  }

  /** Strict entity decoding (linear): only the predefined five and references to valid characters. */
  private decode(raw: string, offset: () => number): string {
    if (raw.indexOf('&') === -1) return raw;
    let refs = 0;
    const out = raw.replace(ENTITY, (whole, name: string | undefined, dec: string | undefined, hex: string | undefined, at: number) => {
      refs++;
      if (whole === '&')
        throw this.malformed(`undefined or malformed entity reference near ${JSON.stringify(raw.slice(at, at + 16))}`, 'entity', offset());
      if (name) return PREDEFINED[name] as string;
      const code = dec !== undefined ? Number(dec) : parseInt(hex as string, 16);
      if (!validChar(code)) throw this.malformed(`character reference ${whole} is not a valid XML character`, 'entity', offset());
      return String.fromCodePoint(code);
    });
    if (!this.budget.spend(refs)) throw this.overBudget(offset());
    return out;
  }

  // --- saxen

  private wireParser(): void {
    const parser = this.parser;
    const where = this.where;
    parser.ns(KNOWN_NS);
    // a document repeats a few element names millions of times: each is split once (up to SPLIT_CACHE names);
    // the cached strings are owned copies, since the cache outlives the batch of text they were cut from
    const names = new Map<string, { local: string; uri: string }>();
    const split = (qname: string): { local: string; uri: string } => {
      const known = names.get(qname);
      if (known) return known;
      const i = qname.indexOf(':');
      const prefix = i === -1 ? '' : qname.slice(0, i);
      const name =
        i === -1
          ? { local: own(qname), uri: '' }
          : { local: own(qname.slice(i + 1)), uri: PREFIX_URI.get(prefix) ?? `urn:unknown:${own(prefix)}` };
      if (names.size < SPLIT_CACHE) names.set(own(qname), name);
      return name;
    };
    parser.on('error', (err, ctx) => {
      throw this.malformed(err.message, 'malformed', this.saxenOffset(ctx));
    });
    parser.on('warn', (err, ctx) => {
      throw this.malformed(err.message, 'malformed', this.saxenOffset(ctx));
    });
    parser.on('attention', (decl, _decode, ctx) => {
      if (/^<!DOCTYPE/i.test(decl))
        throw new CoreError(
          where.code,
          `${fileOf(where)} contains a DOCTYPE declaration; DTDs are refused and never expanded (they can hide entity bombs or read local files). ${where.next ?? 'The bundle is not safe to apply.'}`,
          { ...baseOf(where), reason: 'doctype', offset: this.saxenOffset(ctx) },
        );
      throw this.malformed(`unexpected declaration ${decl.slice(0, 20)}`, 'malformed', this.saxenOffset(ctx));
    });
    parser.on('openTag', (qname, getAttrs, _decode, _selfClosing, ctx) => {
      if (this.depth === 0 && ++this.roots > 1) throw this.malformed('more than one root element', 'malformed', this.saxenOffset(ctx));
      if (this.depth >= MAX_DEPTH)
        throw this.malformed(`elements nested deeper than ${MAX_DEPTH} levels`, 'malformed', this.saxenOffset(ctx));
      const attrs = getAttrs();
      if (attrs === false) throw this.malformed(`bad attributes on <${qname}>`, 'malformed', this.saxenOffset(ctx));
      // the values are decoded in place (saxen makes the object for this tag alone); most have nothing to decode
      let offset: (() => number) | null = null;
      for (const k in attrs) {
        const v = attrs[k] as string;
        if (v.includes('<')) throw this.malformed(`"<" in the value of attribute ${k} of <${qname}>`, 'malformed', this.saxenOffset(ctx));
        if (v.includes('&')) attrs[k] = this.decode(v, (offset ??= () => this.saxenOffset(ctx)));
      }
      const { local, uri } = split(qname);
      this.handlers.open({ local, uri, name: qname, attrs }, this.depth);
      this.stack.push(local);
      this.depth++;
    });
    parser.on('closeTag', () => {
      this.depth--;
      // popped whether or not there is a close handler (an optional call would skip its argument)
      const local = this.stack.pop() as string;
      this.handlers.close?.(local, this.depth);
    });
    parser.on('text', (raw, _decode, ctx) => {
      if (this.depth === 0) return; // whitespace around the root (saxen warns on anything else)
      this.deliverText(raw, () => this.saxenOffset(ctx));
    });
    parser.on('cdata', (s) => {
      if (this.handlers.text) this.handlers.text(s, this.depth);
    });
  }
}

/** Element names an XmlStream remembers how to split (a hostile document may use any number of them). */
const SPLIT_CACHE = 256;

/** Parses a whole document held in memory (tests, small documents); see XmlStream. */
export function parseXml(bytes: Uint8Array, handlers: XmlHandlers, where: XmlWhere, opts: XmlStreamOptions = {}): void {
  const stream = new XmlStream(handlers, where, opts);
  const CHUNK = 1024 * 1024;
  for (let off = 0; off < bytes.byteLength; off += CHUNK) stream.write(bytes.subarray(off, Math.min(off + CHUNK, bytes.byteLength)));
  stream.end();
}
