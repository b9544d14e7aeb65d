import { describe, expect, it } from 'vitest';
import { parseXml, type XmlTag } from './xml.js';

const where = { entry: 'test.xml', code: 'PAYLOAD_INVALID' as const };
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function parse(xml: string): { tags: XmlTag[]; text: string } {
  const tags: XmlTag[] = [];
  let text = '';
  parseXml(enc(xml), { open: (t) => void tags.push(t), text: (s) => void (text += s) }, where);
  return { tags, text };
}

function refusal(xml: string): unknown {
  try {
    parse(xml);
  } catch (e) {
    return e;
  }
  return null;
}

describe('parseXml: strict, no DTD', () => {
  it('decodes the predefined entities and character references, maps namespaces', () => {
    const r = parse(
      '<?xml version="1.0"?><a xmlns="urn:posture-stage:os:1" n="x &amp; y &#65;&#x42;">t &lt;&gt; &quot;&apos;<![CDATA[<raw>]]></a>',
    );
    expect(r.tags[0]).toMatchObject({ local: 'a', uri: 'urn:posture-stage:os:1', attrs: { n: 'x & y AB' } });
    expect(r.text).toBe('t <> "\'<raw>');
  });

  it.each([
    ['DOCTYPE with internal subset', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'doctype'],
    ['DOCTYPE SYSTEM', '<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', 'doctype'],
    ['undefined entity in text', '<a>&nbsp;</a>', 'entity'],
    ['undefined entity in attribute', '<a b="&xxe;"/>', 'entity'],
    ['bare ampersand', '<a>fish & chips</a>', 'entity'],
    ['invalid character reference', '<a>&#0;</a>', 'entity'],
    ['< in attribute', '<a b="<"/>', 'malformed'],
    ['duplicate attribute', '<a b="1" b="2"/>', 'malformed'],
    ['unquoted attribute', '<a b=1/>', 'malformed'],
    ['mismatched tags', '<a><b></a></b>', 'malformed'],
    ['unclosed root', '<a><b/>', 'malformed'],
    ['two roots', '<a/><b/>', 'malformed'],
    ['text after root', '<a/>junk', 'malformed'],
    ['empty document', '', 'malformed'],
    ['invalid UTF-8', '\uFFFD', 'encoding'],
    ['nesting bomb', '<a>'.repeat(100_000) + '</a>'.repeat(100_000), 'malformed'],
  ])('%s is PAYLOAD_INVALID (%s)', (_name, xml, reason) => {
    const bytes = xml === '\uFFFD' ? new Uint8Array([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]) : enc(xml);
    let err: unknown = null;
    try {
      parseXml(bytes, { open: () => undefined }, where);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'PAYLOAD_INVALID', details: { entry: 'test.xml', reason } });
  });

  it('parses documents split across chunk boundaries the same way', () => {
    const body = '<x n="' + 'é'.repeat(700_000) + '"/>';
    const r = parse(`<a>${body}${body}</a>`);
    expect(r.tags.length).toBe(3);
    expect(r.tags[1]?.attrs.n?.length).toBe(700_000);
    expect(refusal('<a>' + ' '.repeat(1 << 20) + '&bogus;</a>')).toMatchObject({ details: { reason: 'entity' } });
  });
});
