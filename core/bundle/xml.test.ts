import { describe, expect, it } from 'vitest';
import { parseXml, TextField, XmlBudget, XmlStream, type XmlTag } from './xml.js';
import { MAX_MARKUP } from './xml/markup.js';
import { UPDATE_NS } from './layout.js';

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

describe('XmlStream: linear, whatever the chunking', () => {
  type Ev = [string, ...unknown[]];
  const events = (bytes: Uint8Array, chunk: number): Ev[] => {
    const out: Ev[] = [];
    let text = '';
    const flushText = () => {
      if (text) out.push(['text', text]);
      text = '';
    };
    const s = new XmlStream(
      {
        open: (t, d) => {
          flushText();
          out.push(['open', t.uri, t.local, t.attrs, d]);
        },
        close: (l, d) => {
          flushText();
          out.push(['close', l, d]);
        },
        text: (t) => void (text += t),
      },
      where,
    );
    for (let at = 0; at < bytes.length; at += chunk) s.write(bytes.subarray(at, at + chunk));
    s.end();
    flushText();
    return out;
  };
  const doc = enc(
    '\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- a comment -->' +
      '<a xmlns="urn:posture-stage:os:1" xmlns:u="http://www.cisco.com/cpm/update/1.0" n=\'x "q" > y\'>' +
      'é€😀 &amp;&#x1F600;&#65;<![CDATA[<raw> ]] >]]><?pi data?>' +
      `<u:b   k="v"${' '.repeat(200)}m="w&lt;"/>` +
      ' '.repeat(70_000) +
      '<c>' +
      'z'.repeat(150_000) +
      '&quot;</c></a>\n',
  );

  it('gives the same events for every chunk size, long text and padded tags included', () => {
    const whole = events(doc, doc.length);
    expect(whole[0]).toEqual([
      'open',
      'urn:posture-stage:os:1',
      'a',
      { xmlns: 'urn:posture-stage:os:1', 'xmlns:u': UPDATE_NS, n: 'x "q" > y' },
      0,
    ]);
    expect(whole).toContainEqual(['open', UPDATE_NS, 'b', { k: 'v', m: 'w<' }, 1]);
    expect(whole).toContainEqual(['text', 'z'.repeat(150_000) + '"']);
    for (const chunk of [1, 2, 3, 5, 7, 13, 4096, 65_537]) expect(events(doc, chunk)).toEqual(whole);
  });

  it('refuses one token longer than MAX_MARKUP (PAYLOAD_INVALID, reason limit) and too much work (ZIP_LIMIT)', () => {
    const big = `<a b="${'x'.repeat(MAX_MARKUP)}"/>`;
    expect(refusal(big)).toMatchObject({ code: 'PAYLOAD_INVALID', details: { reason: 'limit', limit: 'maxMarkupChars', offset: 0 } });
    const many = enc('<a>' + '<b/>'.repeat(1000) + '</a>');
    let err: unknown = null;
    try {
      parseXml(many, { open: () => undefined }, where, { budget: new XmlBudget(500) });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ZIP_LIMIT', details: { limit: 'maxXmlNodes', max: 500 } });
  });

  it('keeps only the open elements, with or without a close handler (memory stays flat over any number of elements)', () => {
    for (const close of [undefined, () => undefined]) {
      const s = new XmlStream({ open: () => undefined, ...(close ? { close } : {}) }, where);
      const open = () => (s as unknown as { stack: string[] }).stack.length;
      s.write(enc('<r><g>'));
      // 200,000 elements in pieces of 64 KiB: each batch is parsed as it is handed over
      const piece = enc('<e a="1"/><f>t</f>'.repeat(4096));
      for (let i = 0; i < 100; i++) {
        s.write(piece);
        expect(open()).toBeLessThanOrEqual(3);
      }
      s.write(enc('</g></r>'));
      s.end();
      expect(open()).toBe(0);
    }
  });

  it('caps what a handler collects (TextField), instead of growing a string', () => {
    const field = new TextField(where, 'a version', 8);
    field.add('1.2.');
    field.add('3.4');
    expect(field.take()).toBe('1.2.3.4');
    field.add('12345');
    expect(() => field.add('6789')).toThrow(/a version is longer than 8 characters/);
  });
});

describe('XmlStream: entity references across hand-overs', () => {
  it('decodes references that a long text run splits between pieces', () => {
    const xml = enc('<a>' + '&amp;'.repeat(200_000) + '</a>');
    for (const chunk of [7, 64 * 1024 + 3, 1 << 20]) {
      let text = '';
      const s = new XmlStream({ open: () => undefined, text: (t) => void (text += t) }, where);
      for (let at = 0; at < xml.length; at += chunk) s.write(xml.subarray(at, at + chunk));
      s.end();
      expect(text).toBe('&'.repeat(200_000));
    }
  });
});

describe('XML 1.0 and UTF-8, strictly (every refusal names its byte offset)', () => {
  const bytes = (...parts: Array<string | number[]>): Uint8Array =>
    new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));
  const refused = (b: Uint8Array): unknown => {
    try {
      parseXml(b, { open: () => undefined }, where);
    } catch (e) {
      return e;
    }
    return null;
  };
  const decl = '<?xml version="1.0" encoding="UTF-8"?>';

  it.each([
    ['NUL', bytes('<a>x', [0], '</a>'), 'char', 4],
    ['a C0 control', bytes('<a b="', [0x1b], '"/>'), 'char', 6],
    ['U+FFFE', bytes('<a>', [0xef, 0xbf, 0xbe], '</a>'), 'char', 3],
    ['U+FFFF after multibyte text', bytes('<a>é', [0xef, 0xbf, 0xbf], '</a>'), 'char', 5],
    ['a second BOM', bytes([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], '<a/>'), 'bom', 3],
    ['a BOM inside the document', bytes('<a>', [0xef, 0xbb, 0xbf], '</a>'), 'bom', 3],
    ['whitespace before <?xml', bytes(' ' + decl + '<a/>'), 'declaration', 1],
    ['a comment before <?xml', bytes('<!-- c -->' + decl + '<a/>'), 'declaration', 10],
    ['an XML declaration after the root', bytes('<a/>' + decl), 'declaration', 4],
    ['encoding ISO-8859-1', bytes('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'), 'encoding', 0],
    ['encoding UTF-16', bytes('<?xml version="1.0" encoding="UTF-16"?><a/>'), 'encoding', 0],
    ['version 1.1', bytes('<?xml version="1.1"?><a/>'), 'declaration', 0],
    ['a reserved <?XML target', bytes('<a><?XML x?></a>'), 'declaration', 3],
    ['invalid UTF-8 (overlong)', bytes('<a>', [0xc0, 0xaf], '</a>'), 'encoding', 3],
    ['UTF-8 cut in the middle of a character', bytes('<a/>', [0xe2, 0x82]), 'encoding', 4],
  ])('refuses %s', (_what, b, reason, offset) => {
    const e = refused(b);
    expect(e).toMatchObject({ code: 'PAYLOAD_INVALID', details: { reason, offset } });
    expect((e as Error).message).toContain(`at byte ${offset}`);
  });

  it.each([
    ['no XML declaration (UTF-8 by default)', bytes('<a/>')],
    ['one leading BOM and a declaration', bytes([0xef, 0xbb, 0xbf], decl + '<a/>')],
    ['lower-case utf-8, standalone, single quotes', bytes("<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n<a/>")],
    ['a processing instruction whose target only starts with xml', bytes(decl + '<?xml-stylesheet href="s"?><a/>')],
    ['tab, CR, LF and characters up to U+10FFFF', bytes('<a b="\t\r\n">😀\u{10FFFD}</a>')],
  ])('accepts %s', (_what, b) => {
    expect(refused(b)).toBeNull();
  });
});
