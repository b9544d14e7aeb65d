import { describe, expect, it } from 'vitest';
import { COMPONENTS, COMPONENT_IDS, SHORT_LABELS, VERSION_COMPONENTS, VERSION_KEY, VERSION_KEYS, VERSION_LABELS } from './components.js';
import { LAYOUT } from './layout.js';
import { parserFor } from './payloads.js';

describe('the component registry', () => {
  it("holds the spec's reference layout and ISE's five labels, in ISE's order", () => {
    expect(COMPONENT_IDS).toEqual(['conditions', 'avas-windows', 'avas-mac', 'avas-linux', 'supported-os', 'supported-os-legacy']);
    expect(LAYOUT.map((c) => [c.file, c.member ?? null])).toEqual([
      ['posture-conditions.xml', null],
      ['avas-support-chart-windows.xml', null],
      ['avas-support-chart-mac.xml', null],
      ['avas-support-chart-linux.xml', null],
      ['osgroupsV2.tar.gz', 'os-groups.xml'],
      ['osgroups.tar.gz', 'osgroups.xml'],
    ]);
    expect(VERSION_KEYS).toEqual(['conditions', 'avasWindows', 'avasMac', 'avasLinux', 'supportedOs']);
    expect(Object.values(VERSION_LABELS)).toEqual([
      'Cisco conditions version',
      'Cisco AV/AS support chart version for windows',
      'Cisco AV/AS support chart version for Mac OSX',
      'Cisco AV/AS support chart version for Linux',
      'Cisco supported OS version',
    ]);
    expect(VERSION_KEY['supported-os-legacy']).toBe('supportedOs');
    expect(Object.keys(SHORT_LABELS)).toEqual(COMPONENT_IDS);
  });

  it('names each version option after its component (commander turns --avas-windows into avasWindows)', () => {
    const camel = (id: string) => id.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    expect(VERSION_COMPONENTS.map((c) => camel(c.id))).toEqual(VERSION_KEYS);
  });

  it('gives every component a payload parser', () => {
    for (const c of COMPONENTS) {
      const parser = parserFor(c.payload, { entry: c.file, code: 'PAYLOAD_INVALID' });
      expect(typeof parser.write).toBe('function');
    }
  });
});
