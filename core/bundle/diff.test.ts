import { describe, expect, it } from 'vitest';
import { checkBundle } from './check.js';
import { diffAgainstState, diffBundles } from './diff.js';
import { compareVersions } from './versions.js';
import { writeBundle } from './write.js';
import type { NodeContentState } from './types.js';

describe('compareVersions', () => {
  it('compares numerically field by field', () => {
    expect(compareVersions('101.6.3.0', '84.6.2.0')).toBe(1);
    expect(compareVersions('9.0.0.0', '10.0.0.0')).toBe(-1);
    expect(compareVersions('297.0.0.0', '297.0.0.0')).toBe(0);
    expect(compareVersions('1.0.0.10', '1.0.0.9')).toBe(1);
  });
});

describe('diffBundles / diffAgainstState', () => {
  it('reports upgrade, same and downgrade per component and content changes', async () => {
    const old = await checkBundle(
      await writeBundle({ seed: 1, scale: 0.1, versions: { conditions: '280052.0.0.0', avasWindows: '263.0.0.0', avasMac: '215.0.0.0' } }),
    );
    const next = await checkBundle(await writeBundle({ seed: 2, scale: 1, versions: { supportedOs: '102.0.0.0' } }));
    const d = diffBundles(old, next);
    const by = Object.fromEntries(d.components.map((c) => [c.id, c]));
    expect(by.conditions).toEqual({ id: 'conditions', from: '280052.0.0.0', to: '300418.0.0.0', change: 'upgrade' });
    expect(by['avas-windows']?.change).toBe('upgrade');
    expect(by['avas-mac']).toMatchObject({ from: '215.0.0.0', to: '214.0.0.0', change: 'downgrade' });
    expect(by['avas-linux']?.change).toBe('same');
    expect(d.downgrade).toBe(true);
    // scale 1 has more product release lines and OS builds than 0.1: added products; seeds differ: signatures change
    expect(d.content.products.added.length).toBeGreaterThan(0);
    expect(d.content.products.signatureChanged.length).toBeGreaterThan(0);
    expect(d.content.products.added[0]).toMatchObject({ os: 'windows', vendor: 'Microsoft Corporation' });
    expect(d.content.conditions.added.length).toBeGreaterThan(0);
    expect(d.content.os.added.length).toBeGreaterThan(0);
    expect(d.content.os.removed).toEqual([]);
    expect(d.content.policies.added.length + d.content.policies.removed.length).toBeGreaterThan(0);
    // avas-linux keeps its version: a node skips it, so none of its (different) content is reported
    expect(
      [...d.content.products.added, ...d.content.products.removed, ...d.content.products.signatureChanged].some((p) => p.os === 'linux'),
    ).toBe(false);
    // the downgrade is also a STALE_BUNDLE warning naming the component and the newer version
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings?.[0]).toMatchObject({
      code: 'STALE_BUNDLE',
      details: { reason: 'downgrade', components: [{ id: 'avas-mac', version: '214.0.0.0', newer: '215.0.0.0' }] },
    });
    expect(d.warnings?.[0]?.message).toContain('avas-mac 214.0.0.0 (the old bundle has 215.0.0.0)');
  });

  it('an upgrade with some same-version components carries no warning', async () => {
    const old = await checkBundle(await writeBundle({ scale: 0.05, versions: { conditions: '280052.0.0.0' } }));
    const d = diffBundles(old, await checkBundle(await writeBundle({ scale: 0.05 })));
    expect(d.components.map((c) => c.change)).toContain('upgrade');
    expect(d.warnings).toBeUndefined();
  });

  it('a bundle against itself changes nothing', async () => {
    const b = await checkBundle(await writeBundle({ seed: 5, scale: 0.1 }));
    const d = diffBundles(b, b);
    expect(d.components.every((c) => c.change === 'same')).toBe(true);
    expect(d.downgrade).toBe(false);
    expect(d.content.products).toEqual({ added: [], removed: [], signatureChanged: [] });
    expect(d.content.conditions).toEqual({ added: [], removed: [] });
    // nothing would be applied: STALE_BUNDLE says so
    expect(d.warnings).toEqual([
      expect.objectContaining({ code: 'STALE_BUNDLE', details: expect.objectContaining({ reason: 'same-version' }) }),
    ]);
  });

  it('against a node state: 0.0.0.0 is new, recorded content is diffed, unrecorded content is not claimed', async () => {
    const next = await checkBundle(await writeBundle({ scale: 0.1 }));
    const state: NodeContentState = {
      versions: { conditions: '0.0.0.0', avasWindows: '296.0.0.0', avasMac: '300.0.0.0', avasLinux: '66.0.0.0', supportedOs: '84.6.2.0' },
      components: { 'avas-windows': { id: 'avas-windows', version: '296.0.0.0', sha256: 'x', products: [] } },
    };
    const d = diffAgainstState(state, next);
    const by = Object.fromEntries(d.components.map((c) => [c.id, c]));
    expect(by.conditions).toMatchObject({ from: null, change: 'new' });
    expect(by['avas-mac']?.change).toBe('downgrade');
    expect(by['supported-os']).toMatchObject({ from: '84.6.2.0', change: 'upgrade' });
    expect(by['supported-os-legacy']).toMatchObject({ from: '84.6.2.0', change: 'upgrade' });
    expect(d.downgrade).toBe(true);
    // windows: recorded as empty → every product added; mac/linux: no recorded content → nothing claimed
    expect(d.content.products.added.length).toBeGreaterThan(0);
    expect(d.content.products.added.every((p) => p.os === 'windows')).toBe(true);
    // conditions never installed → everything is added
    expect(d.content.conditions.added).toContain('ANY_am_win_inst');
    expect(d.content.os).toEqual({ added: [], removed: [] });
    expect(d.warnings?.[0]).toMatchObject({
      code: 'STALE_BUNDLE',
      details: { reason: 'downgrade', components: [{ id: 'avas-mac', version: '214.0.0.0', newer: '300.0.0.0' }] },
    });
    expect(d.warnings?.[0]?.message).toContain('the node has 300.0.0.0');
  });

  it('refuses an unknown-layout bundle with MANIFEST_MISSING', async () => {
    const { unknownLayoutBundle } = await import('./fixtures/payload.js');
    const unknown = await checkBundle(await unknownLayoutBundle());
    const ref = await checkBundle(await writeBundle({ scale: 0.05 }));
    expect(() => diffBundles(ref, unknown)).toThrow(expect.objectContaining({ code: 'MANIFEST_MISSING' }));
    expect(() => diffBundles(unknown, ref)).toThrow(expect.objectContaining({ code: 'MANIFEST_MISSING' }));
  });
});
