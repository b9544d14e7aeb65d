import { describe, expect, it } from 'vitest';
import { parseOs } from './payloads.js';
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
