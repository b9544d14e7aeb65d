import { describe, expect, it } from 'vitest';
import { parseOs, parserFor } from './payloads.js';
import { SUMMARY_ROWS, type AvasSummary } from './types.js';
import type { XmlWhere } from './xml.js';

const where: XmlWhere = { entry: 'osgroupsV2.tar.gz', member: 'os-groups.xml', code: 'PAYLOAD_INVALID' };
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const osXml = (body: string) => enc(`<osGroups xmlns="urn:posture-stage:os:1" version="101.6.3.0">${body}</osGroups>`);

describe('parseOs', () => {
  it('builds the group tree and "Group/Sub/OS" paths', () => {
    const r = parseOs(osXml('<group name="A"><group name="B"><os name="Z"/></group><os name="Y"/></group>'), where, false);
    expect(r.content.os).toEqual(['A/B/Z', 'A/Y']);
    expect(r.summary).toMatchObject({ osCount: 2, groupCount: 2 });
  });

  it('a foreign-namespace <group> does not close one of ours: each OS stays in its own group', () => {
    const r = parseOs(
      osXml('<group name="A"><group name="B"><x:group xmlns:x="urn:other"/><os name="Z"/></group><os name="Y"/></group>'),
      where,
      false,
    );
    expect(r.content.os).toEqual(['A/B/Z', 'A/Y']);
    expect(r.summary.tree[0]?.groups[0]).toEqual({ name: 'B', groups: [], os: ['Z'] });
  });

  it('a foreign-namespace <group> at the top does not end the document', () => {
    const r = parseOs(osXml('<x:group xmlns:x="urn:other"/><group name="A"><os name="Z"/></group>'), where, false);
    expect(r.content.os).toEqual(['A/Z']);
  });
});

describe('AV/AS summary', () => {
  const chart = (n: number, newestAt: number) => {
    const products = Array.from(
      { length: n },
      (_, i) =>
        `<product id="${1000 + i}" name="Product ${i}" category="antivirus" versions="1.x"><signature version="1.0.${i}.0" date="${i === newestAt ? '2025-03-12' : '2025-01-01'}"/><capability>running</capability></product>`,
    );
    return enc(
      `<avasSupportChart xmlns="urn:posture-stage:avas:1" os="linux" version="66.0.0.0"><vendor id="1" name="V">${products.join('')}</vendor></avasSupportChart>`,
    );
  };
  const where: XmlWhere = { entry: 'avas-support-chart-linux.xml', code: 'PAYLOAD_INVALID' };
  const parse = (bytes: Uint8Array, content: boolean) => {
    const p = parserFor({ kind: 'avas', os: 'linux' }, where, { content });
    p.write(bytes);
    return p.end();
  };

  it('lists at most SUMMARY_ROWS products, counts every one, and finds the newest signature among all of them', () => {
    const n = SUMMARY_ROWS + 3;
    for (const content of [true, false]) {
      const r = parse(chart(n, n - 2), content);
      const s = r.summary as AvasSummary;
      expect(s.products).toBe(n);
      expect(s.items).toHaveLength(SUMMARY_ROWS);
      expect(s.items[SUMMARY_ROWS - 1]?.product).toBe(`Product ${SUMMARY_ROWS - 1}`);
      expect(s.omitted).toBe(3);
      // the newest signature is on a product the summary does not list
      expect(s.newest).toEqual({ version: `1.0.${n - 2}.0`, date: '2025-03-12' });
      // diff and apply get every product; inspect keeps none beyond the summary
      expect(r.content.products?.length ?? 0).toBe(content ? n : 0);
    }
  });

  it('a chart within SUMMARY_ROWS lists every product', () => {
    const s = parse(chart(3, 0), true).summary as AvasSummary;
    expect(s).toMatchObject({ products: 3, omitted: 0, newest: { version: '1.0.0.0', date: '2025-03-12' } });
    expect(s.items.map((i) => i.product)).toEqual(['Product 0', 'Product 1', 'Product 2']);
  });
});
