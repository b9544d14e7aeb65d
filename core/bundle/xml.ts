/**
 * Streaming XML for every payload and the manifest (bundle-format.md: "No DOCTYPE anywhere (any DTD
 * is refused, never expanded)"; bad XML is PAYLOAD_INVALID / MANIFEST_INVALID).
 *
 * Parser: saxen (maintained, namespace-aware SAX, streaming write/end), chosen over saxes for speed:
 * saxes parsed our payloads at ~20–50 MB/s, which made `inspect` 3× slower than `unzip -t`; saxen scans
 * with indexOf and keeps up with inflate (build/bench/sections/inspect.ts). saxen is forgiving, so this
 * module makes it strict: every saxen warning is an error, DOCTYPE/`<!…>` declarations are refused
 * (never read, never expanded), one root only, and entity references are decoded here — only the five
 * predefined entities and character references to valid XML characters; anything else is an error.
 * Bytes are decoded as fatal UTF-8 and fed in 1 MiB chunks: no DOM and no whole-document string.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { Parser } from 'saxen';
import { CoreError } from '../errors.js';
import { ATOM_NS, UPDATE_NS } from './layout.js';

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
  /** text and CDATA, entity-decoded */
  text?(text: string, depth: number): void;
}

export interface XmlWhere {
  /** the zip entry (and tar member) being parsed, for error details */
  entry: string;
  member?: string;
  code: 'PAYLOAD_INVALID' | 'MANIFEST_INVALID';
}

/** Namespaces we look at get fixed prefixes in saxen's ns mode, so names map back to URIs. */
const KNOWN_NS: Record<string, string> = {
  [ATOM_NS]: 'atom',
  [UPDATE_NS]: 'update',
  'urn:posture-stage:conditions:1': 'psc',
  'urn:posture-stage:avas:1': 'psa',
  'urn:posture-stage:os:1': 'pso',
};
const PREFIX_URI = new Map(Object.entries(KNOWN_NS).map(([uri, p]) => [p, uri]));
const CHUNK = 64 * 1024;
/** Deeper nesting is refused: our documents are a few levels deep, and a deep tree would overflow recursive consumers (JSON). */
export const MAX_DEPTH = 64;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function validChar(c: number): boolean {
  return (
    c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
  );
}

/**
 * A copy of a string that handlers keep: parser strings are slices of the 1 MiB chunk they came from,
 * and one kept slice would keep its whole chunk alive (the whole document, over many kept names).
 */
export function own(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

/** Thrown from handlers to say the document is well-formed XML but not the expected shape. */
export function shapeError(where: XmlWhere, problem: string, extra: Record<string, unknown> = {}): CoreError {
  const file = where.member ? `${where.entry} (${where.member})` : where.entry;
  return new CoreError(where.code, `${file}: ${problem}. The bundle is damaged or was not made for ISE; download it again.`, {
    entry: where.entry,
    ...(where.member ? { member: where.member } : {}),
    reason: 'shape',
    problem,
    ...extra,
  });
}

/** Parses `bytes` as UTF-8 XML, calling handlers per tag; refuses DOCTYPE, bad UTF-8 and malformed XML. */
export function parseXml(bytes: Uint8Array, handlers: XmlHandlers, where: XmlWhere): void {
  const file = where.member ? `${where.entry} (${where.member})` : where.entry;
  const base = { entry: where.entry, ...(where.member ? { member: where.member } : {}) };
  const malformed = (problem: string, reason = 'malformed') =>
    new CoreError(where.code, `${file} is not well-formed XML (${problem}). The bundle is damaged; download it again.`, {
      ...base,
      reason,
      problem,
    });

  /** Strict entity decoding: only the predefined five and references to valid characters. */
  const decode = (raw: string): string => {
    let at = raw.indexOf('&');
    if (at === -1) return raw;
    let out = raw.slice(0, at);
    while (at !== -1) {
      ENTITY.lastIndex = at;
      const m = ENTITY.exec(raw);
      if (!m) throw malformed(`undefined or malformed entity reference near ${JSON.stringify(raw.slice(at, at + 16))}`, 'entity');
      if (m[1]) out += PREDEFINED[m[1]];
      else {
        const code = m[2] !== undefined ? Number(m[2]) : parseInt(m[3] as string, 16);
        if (!validChar(code)) throw malformed(`character reference ${m[0]} is not a valid XML character`, 'entity');
        out += String.fromCodePoint(code);
      }
      const next = raw.indexOf('&', ENTITY.lastIndex);
      out += raw.slice(ENTITY.lastIndex, next === -1 ? undefined : next);
      at = next;
    }
    return out;
  };

  const parser = new Parser();
  parser.ns(KNOWN_NS);
  let depth = 0;
  let roots = 0;
  const stack: string[] = [];
  const split = (qname: string): { local: string; uri: string } => {
    const i = qname.indexOf(':');
    if (i === -1) return { local: qname, uri: '' };
    const prefix = qname.slice(0, i);
    return { local: qname.slice(i + 1), uri: PREFIX_URI.get(prefix) ?? `urn:unknown:${prefix}` };
  };
  parser.on('error', (err) => {
    throw malformed(err.message);
  });
  parser.on('warn', (err) => {
    throw malformed(err.message);
  });
  parser.on('attention', (decl) => {
    if (/^<!DOCTYPE/i.test(decl))
      throw new CoreError(
        where.code,
        `${file} contains a DOCTYPE declaration; DTDs are refused and never expanded (they can hide entity bombs or read local files). The bundle is not safe to apply.`,
        { ...base, reason: 'doctype' },
      );
    throw malformed(`unexpected declaration ${decl.slice(0, 20)}`);
  });
  parser.on('openTag', (qname, getAttrs) => {
    if (depth === 0 && ++roots > 1) throw malformed('more than one root element');
    if (depth >= MAX_DEPTH) throw malformed(`elements nested deeper than ${MAX_DEPTH} levels`);
    const raw = getAttrs();
    if (raw === false) throw malformed(`bad attributes on <${qname}>`);
    const attrs: Record<string, string> = {};
    for (const k in raw) {
      const v = raw[k] as string;
      if (v.includes('<')) throw malformed(`"<" in the value of attribute ${k} of <${qname}>`);
      attrs[k] = decode(v);
    }
    const { local, uri } = split(qname);
    handlers.open({ local, uri, name: qname, attrs }, depth);
    stack.push(local);
    depth++;
  });
  parser.on('closeTag', () => {
    depth--;
    handlers.close?.(stack.pop() as string, depth);
  });
  const onText = handlers.text;
  parser.on('text', (raw) => {
    if (depth === 0) return; // whitespace around the root (saxen warns on anything else)
    const s = decode(raw);
    if (onText) onText(s, depth);
  });
  parser.on('cdata', (s) => onText?.(s, depth));
  // ASCII (the common case) decodes as latin1, a plain copy; anything else must be valid UTF-8.
  const ascii = isAscii(bytes);
  if (!ascii && !isUtf8(bytes))
    throw new CoreError(where.code, `${file} is not valid UTF-8 text. The bundle is damaged; download it again.`, {
      ...base,
      reason: 'encoding',
    });
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8');
  try {
    for (let off = 0; off < bytes.byteLength; off += CHUNK) {
      const end = Math.min(off + CHUNK, bytes.byteLength);
      parser.write(ascii ? buf.toString('latin1', off, end) : decoder.decode(bytes.subarray(off, end), { stream: end < bytes.byteLength }));
    }
    parser.end();
  } catch (e) {
    if (e instanceof CoreError) throw e;
    throw malformed((e as Error).message);
  }
  if (roots === 0) throw malformed('no root element');
}

/** The root element of an XML document, or null if it does not parse (unknown layout: show, never trust). */
export function xmlRootName(bytes: Uint8Array, entry: string): string | null {
  let root: string | null = null;
  try {
    parseXml(
      bytes,
      {
        open: (t, d) => {
          if (d === 0) root = t.uri ? `{${t.uri}}${t.local}` : t.local;
        },
      },
      { entry, code: 'PAYLOAD_INVALID' },
    );
  } catch {
    return null;
  }
  return root;
}
