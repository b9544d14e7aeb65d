/**
 * The legacy online feed: an Atom 1.0 document with `xmlns:update="http://www.cisco.com/cpm/update/1.0"`;
 * a stub feed redirects with `<link rel="alternate" href="…"/>` (bundle-format.md "What is public").
 * We look for the zip as an `enclosure` link, with `update:sha256` and `length` when present.
 * Parsed by the product's one XML stack (bundle/xml.ts: strict XML 1.0, UTF-8, no DTD, linear and
 * bounded); every refusal is FEED_INVALID.
 */
import { CoreError } from '../errors.js';
import { ATOM_NS, UPDATE_NS } from '../bundle/layout.js';
import { parseXml, TextField, type XmlWhere } from '../bundle/xml.js';

export interface FeedDocument {
  /** the stub's redirect target, resolved against the feed URL */
  alternate?: string;
  /** the bundle's URL, resolved against the feed URL */
  enclosure?: { href: string; length?: number; sha256?: string };
  updated?: string;
}

const CHECK_URL = 'Check the Update Feed URL, or give the .zip URL itself.';

/** FEED_INVALID for what the XML layer refused, in the feed's words. */
function feedError(base: string, e: CoreError): CoreError {
  const { entry: _entry, ...details } = e.details;
  const message =
    details.reason === 'doctype'
      ? `The update feed at ${base} contains a DTD, which is refused (a DTD is never read or expanded). ${CHECK_URL}`
      : details.reason === 'shape'
        ? `The update feed at ${base} is not what a feed holds (${String(details.problem)}). ${CHECK_URL}`
        : `The update feed at ${base} is not well-formed XML (${String(details.problem)}${details.offset === undefined ? '' : `, at byte ${String(details.offset)}`}). ${CHECK_URL}`;
  return new CoreError('FEED_INVALID', message, { url: base, ...details });
}

/** Parses a feed (no DTD accepted, as everywhere in this product). */
export function parseFeed(xml: string, base: string): FeedDocument {
  const where: XmlWhere = { entry: base, code: 'FEED_INVALID', next: CHECK_URL };
  const doc: FeedDocument = {};
  const stack: string[] = [];
  const text = new TextField(where, 'a feed field');
  let entrySha: string | undefined;
  let entryEnclosure: { href: string; length?: number } | undefined;
  let root: string | undefined;
  let collecting = false;
  try {
    parseXml(
      new Uint8Array(Buffer.from(xml, 'utf8')),
      {
        open(tag) {
          const name = `${tag.uri}|${tag.local}`;
          root ??= name;
          stack.push(name);
          text.take();
          // only the two fields we read collect text (an entry's summary may be long; it is never kept)
          collecting = name === `${UPDATE_NS}|sha256` || name === `${ATOM_NS}|updated`;
          if (name !== `${ATOM_NS}|link`) return;
          const rel = tag.attrs.rel ?? 'alternate';
          const href = tag.attrs.href;
          if (!href) return;
          const resolved = new URL(href, base).toString();
          const inEntry = stack.includes(`${ATOM_NS}|entry`);
          if (rel === 'enclosure' && inEntry) {
            const len = Number(tag.attrs.length);
            entryEnclosure = { href: resolved, ...(Number.isFinite(len) && len > 0 ? { length: len } : {}) };
          } else if (rel === 'alternate' && !inEntry) doc.alternate = resolved;
        },
        text(t) {
          if (collecting) text.add(t);
        },
        close() {
          const name = stack.pop() as string;
          if (name === `${UPDATE_NS}|sha256`) entrySha = text.take().toLowerCase();
          if (name === `${ATOM_NS}|updated` && stack.length === 1) doc.updated = text.take();
          if (name === `${ATOM_NS}|entry`) {
            // the first entry whose enclosure is a zip is the bundle
            if (entryEnclosure && !doc.enclosure && /\.zip(\?|$)/i.test(new URL(entryEnclosure.href).pathname)) {
              doc.enclosure = { ...entryEnclosure, ...(entrySha && /^[0-9a-f]{64}$/.test(entrySha) ? { sha256: entrySha } : {}) };
            }
            entrySha = undefined;
            entryEnclosure = undefined;
          }
          text.take();
          collecting = false;
        },
      },
      where,
    );
  } catch (e) {
    if (CoreError.is(e, 'FEED_INVALID')) throw feedError(base, e);
    if (e instanceof TypeError)
      throw new CoreError('FEED_INVALID', `The update feed at ${base} holds a link that is not a URL (${e.message}). ${CHECK_URL}`, {
        url: base,
      });
    throw e;
  }
  if (root !== `${ATOM_NS}|feed`)
    throw new CoreError('FEED_INVALID', `The document at ${base} is not an Atom feed. ${CHECK_URL}`, { url: base });
  return doc;
}
