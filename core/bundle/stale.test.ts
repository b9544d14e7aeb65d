import { describe, expect, it } from 'vitest';
import { staleWarnings } from './index.js';
import type { Versions } from './types.js';

const NEW: Versions = {
  conditions: '300418.0.0.0',
  avasWindows: '297.0.0.0',
  avasMac: '214.0.0.0',
  avasLinux: '66.0.0.0',
  supportedOs: '101.6.3.0',
};
const OLD: Versions = {
  conditions: '280052.0.0.0',
  avasWindows: '263.0.0.0',
  avasMac: '181.0.0.0',
  avasLinux: '33.0.0.0',
  supportedOs: '84.6.2.0',
};

describe('staleWarnings (STALE_BUNDLE)', () => {
  it('warns when a node or another bundle already has newer content, naming each older component and the newer version', () => {
    const w = staleWarnings({ ...NEW, avasMac: '181.0.0.0', supportedOs: '84.6.2.0' }, NEW);
    expect(w).toHaveLength(1);
    expect(w[0]?.code).toBe('STALE_BUNDLE');
    expect(w[0]?.message).toContain('Cisco AV/AS support chart version for Mac OSX 181.0.0.0 (newer known: 214.0.0.0)');
    expect(w[0]?.message).toContain('Cisco supported OS version 84.6.2.0 (newer known: 101.6.3.0)');
    expect(w[0]?.message).not.toContain('conditions version');
    expect(w[0]?.details).toEqual({
      components: [
        { key: 'avasMac', label: 'Cisco AV/AS support chart version for Mac OSX', version: '181.0.0.0', newer: '214.0.0.0' },
        { key: 'supportedOs', label: 'Cisco supported OS version', version: '84.6.2.0', newer: '101.6.3.0' },
      ],
    });
  });

  it('takes the newest of several known versions, compared numerically (9 < 10)', () => {
    const known: Versions[] = [OLD, { ...OLD, avasLinux: '100.0.0.0' }, { ...OLD, avasLinux: '99.0.0.0', conditions: '280052.0.0.10' }];
    const w = staleWarnings({ ...NEW, avasLinux: '66.0.0.0', conditions: '280052.0.0.9' }, known);
    expect(w[0]?.details?.components).toEqual([
      expect.objectContaining({ key: 'conditions', version: '280052.0.0.9', newer: '280052.0.0.10' }),
      expect.objectContaining({ key: 'avasLinux', version: '66.0.0.0', newer: '100.0.0.0' }),
    ]);
  });

  it('is silent when nothing newer is known: same, older or never-installed (0.0.0.0) content', () => {
    expect(staleWarnings(NEW, NEW)).toEqual([]);
    expect(staleWarnings(NEW, [OLD, { ...OLD, conditions: '0.0.0.0' }])).toEqual([]);
    expect(staleWarnings(NEW, [])).toEqual([]);
  });
});
