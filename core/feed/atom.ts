/**
 * The legacy online feed: an Atom 1.0 document with `xmlns:update="http://www.cisco.com/cpm/update/1.0"`;
 * a stub feed redirects with `<link rel="alternate" href="…"/>` (bundle-format.md "What is public").
 * We look for the zip as an `enclosure` link, with `update:sha256` and `length` when present.
 */
import { SaxesParser } from 'saxes';
import { CoreError } from '../errors.js';

const ATOM = 'http://www.w3.org/2005/Atom';
const UPDATE = 'http://www.cisco.com/cpm/update/1.0';

export interface FeedDocument {
  /** the stub's redirect target, resolved against the feed URL */
  alternate?: string;
  /** the bundle's URL, resolved against the feed URL */
  enclosure?: { href: string; length?: number; sha256?: string };
  updated?: string;
}

/** Parses a feed (no DTD accepted, as everywhere in this product). */
export function parseFeed(xml: string, base: string): FeedDocument {
  const parser = new SaxesParser({ xmlns: true });
  const doc: FeedDocument = {};
  const stack: string[] = [];
  let text = '';
  let entrySha: string | undefined;
  let entryEnclosure: { href: string; length?: number } | undefined;
  let root: string | undefined;
  parser.on('doctype', () => {
    throw new CoreError('PAYLOAD_INVALID', 'The update feed contains a DTD, which is refused.', { url: base });
  });
  parser.on('opentag', (tag) => {
    const name = `${tag.uri}|${tag.local}`;
    root ??= name;
    stack.push(name);
    text = '';
    if (name === `${ATOM}|link`) {
      const rel = String(tag.attributes.rel?.value ?? 'alternate');
      const href = tag.attributes.href?.value;
      if (!href) return;
      const resolved = new URL(String(href), base).toString();
      const inEntry = stack.includes(`${ATOM}|entry`);
      if (rel === 'enclosure' && inEntry) {
        const len = Number(tag.attributes.length?.value);
        entryEnclosure = { href: resolved, ...(Number.isFinite(len) && len > 0 ? { length: len } : {}) };
      } else if (rel === 'alternate' && !inEntry) doc.alternate = resolved;
    }
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('closetag', (tag) => {
    const name = `${tag.uri}|${tag.local}`;
    stack.pop();
    if (name === `${UPDATE}|sha256`) entrySha = text.trim().toLowerCase();
    if (name === `${ATOM}|updated` && stack.length === 1) doc.updated = text.trim();
    if (name === `${ATOM}|entry`) {
      // the first entry whose enclosure is a zip is the bundle
      if (entryEnclosure && !doc.enclosure && /\.zip(\?|$)/i.test(new URL(entryEnclosure.href).pathname)) {
        doc.enclosure = { ...entryEnclosure, ...(entrySha && /^[0-9a-f]{64}$/.test(entrySha) ? { sha256: entrySha } : {}) };
      }
      entrySha = undefined;
      entryEnclosure = undefined;
    }
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    if (e instanceof CoreError) throw e;
    throw new CoreError('PAYLOAD_INVALID', `The update feed at ${base} is not well-formed XML: ${(e as Error).message}`, { url: base });
  }
  if (root !== `${ATOM}|feed`)
    throw new CoreError(
      'PAYLOAD_INVALID',
      `The document at ${base} is not an Atom feed. Check the Update Feed URL, or give the .zip URL itself.`,
      { url: base },
    );
  return doc;
}
