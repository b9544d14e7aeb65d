import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { writeBundle } from './write.js';
import { checkBundle } from './check.js';
import { diffBundles } from './diff.js';
import { compareVersions } from './versions.js';
import type { AvasProduct, CheckedBundle, ComponentId, Versions } from './index.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('writeBundle (posture-stage sample)', () => {
  it('refuses an --updated outside the zip date range (1980-2107) as a usage error', async () => {
    for (const updated of ['1970-01-01T00:00:00Z', '2108-01-01T00:00:00Z']) {
      await expect(writeBundle({ scale: 0.1, updated })).rejects.toMatchObject({ code: 'USAGE', details: { updated } });
    }
    await expect(writeBundle({ scale: 0.1, updated: '1980-01-01T00:00:00Z' })).resolves.toBeInstanceOf(Uint8Array);
  });

  it('is deterministic: same options ⇒ same bytes; another seed ⇒ another file around the same payloads', async () => {
    const a = await writeBundle({ seed: 42, scale: 0.1 });
    const b = await writeBundle({ seed: 42, scale: 0.1 });
    const c = await writeBundle({ seed: 43, scale: 0.1 });
    expect(sha(a)).toBe(sha(b));
    // the seed marks the manifest only (write.ts "Decision"): a different file, the same content
    expect(sha(a)).not.toBe(sha(c));
    expect(payloadShas(await checkBundle(c))).toEqual(payloadShas(await checkBundle(a)));
  });

  it('same component versions ⇒ the same payload bytes, whatever the seed or --updated', async () => {
    const versions = { conditions: '290000.0.0.0', avasMac: '200.0.0.0' };
    const a = await checkBundle(await writeBundle({ seed: 1, scale: 0.2, versions }));
    const b = await checkBundle(await writeBundle({ seed: 99, scale: 0.2, versions, updated: '2024-06-01T00:00:00Z' }));
    expect(a.inspection.sha256).not.toBe(b.inspection.sha256);
    expect(payloadShas(b)).toEqual(payloadShas(a));
    // and a component whose version differs carries different bytes, the others do not
    const c = await checkBundle(await writeBundle({ seed: 1, scale: 0.2, versions: { ...versions, avasMac: '201.0.0.0' } }));
    const changed = Object.entries(payloadShas(c))
      .filter(([id, h]) => payloadShas(a)[id] !== h)
      .map(([id]) => id);
    expect(changed).toEqual(['avas-mac']);
  });

  it('writes the reference layout at the root, readable by another zip reader, with fixed dates', async () => {
    const zip = await JSZip.loadAsync(await writeBundle({ scale: 0.1 }));
    const names = Object.keys(zip.files).sort();
    expect(names).toEqual([
      'avas-support-chart-linux.xml',
      'avas-support-chart-mac.xml',
      'avas-support-chart-windows.xml',
      'osgroups.tar.gz',
      'osgroupsV2.tar.gz',
      'posture-conditions.xml',
      'posture-update.xml',
    ]);
    const manifest = await zip.file('posture-update.xml')!.async('string');
    expect(manifest).toContain('xmlns:update="http://www.cisco.com/cpm/update/1.0"');
    expect(manifest).not.toContain('DOCTYPE');
    for (const f of Object.values(zip.files)) expect(f.date.getUTCFullYear()).toBe(2025);
  });

  it('takes versions and the updated time from the options', async () => {
    const { inspection } = await checkBundle(
      await writeBundle({ scale: 0.1, versions: { conditions: '280052.0.0.0', supportedOs: '84.6.2.0' }, updated: '2024-01-02T03:04:05Z' }),
    );
    expect(inspection.versions).toMatchObject({ conditions: '280052.0.0.0', supportedOs: '84.6.2.0', avasWindows: '297.0.0.0' });
    expect(inspection.updated).toBe('2024-01-02T03:04:05Z');
  });

  it('scales content: more checks and products at a larger scale', async () => {
    const small = (await checkBundle(await writeBundle({ scale: 0.2 }))).inspection;
    const big = (await checkBundle(await writeBundle({ scale: 2 }))).inspection;
    expect(big.size).toBeGreaterThan(small.size * 5);
    const count = (i: typeof small, id: string) => {
      const s = i.components.find((c) => c.id === id)?.summary;
      return s?.kind === 'conditions' ? s.counts.checks : s?.kind === 'avas' ? s.products : s?.kind === 'os' ? s.osCount : 0;
    };
    for (const id of ['conditions', 'avas-windows', 'supported-os']) expect(count(big, id)).toBeGreaterThan(count(small, id));
  });

  it('any valid version writes a valid bundle: 0.0.0.0 and far-future versions neither fail nor blow up', async () => {
    const far = '9999999999.0.0.0';
    const { inspection } = await checkBundle(
      await writeBundle({ scale: 0.1, versions: { conditions: '0.0.0.0', avasWindows: far, avasMac: '0.0.0.0', supportedOs: far } }),
    );
    const ref = (await checkBundle(await writeBundle({ scale: 0.1 }))).inspection;
    expect(inspection.versions).toMatchObject({ avasWindows: far, conditions: '0.0.0.0' });
    // content growth stops at 3× the reference; signature dates stay within what zip/tar dates hold
    expect(inspection.size).toBeLessThan(ref.size * 3);
    const win = inspection.components.find((c) => c.id === 'avas-windows')?.summary;
    expect(win?.kind === 'avas' && win.items.every((i) => i.signatureDate === null || i.signatureDate <= '2099-12-31')).toBe(true);
  });

  it('refuses bad options with USAGE', async () => {
    await expect(writeBundle({ versions: { avasMac: '214.0' } })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(writeBundle({ scale: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(writeBundle({ updated: 'yesterday' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

const payloadShas = (b: CheckedBundle) => Object.fromEntries(b.inspection.components.map((c) => [c.id, c.sha256]));

/** The public example's versions before the update (bundle-format.md "What is public"). */
const OLD: Versions = {
  conditions: '280052.0.0.0',
  avasWindows: '263.0.0.0',
  avasMac: '181.0.0.0',
  avasLinux: '33.0.0.0',
  supportedOs: '84.6.2.0',
};
const CHARTS: ComponentId[] = ['avas-windows', 'avas-mac', 'avas-linux'];
const productsOf = (b: CheckedBundle, id: ComponentId) =>
  new Map((b.contents.get(id)?.products ?? []).map((p): [string, AvasProduct] => [`${p.vendor}|${p.product}`, p]));

describe('sample content follows the versions (old → new reads like a real update)', () => {
  it('signatures only go up, a few product lines come and go, conditions grow, OS entries are added', async () => {
    // scale 2: enough patch groups that a few superseded ones retire between the two versions
    const old = await checkBundle(await writeBundle({ seed: 1, scale: 2, versions: OLD }));
    const next = await checkBundle(await writeBundle({ seed: 2, scale: 2 }));
    const d = diffBundles(old, next);
    expect(d.components.every((c) => c.change === 'upgrade')).toBe(true);
    expect(d.warnings).toBeUndefined();

    // AV/AS: every product in both charts has a newer (never older) signature version and date
    const p = d.content.products;
    expect(p.signatureChanged.length).toBeGreaterThan(50);
    for (const s of p.signatureChanged)
      expect(compareVersions(s.to as string, s.from as string), `${s.product}: ${s.from} → ${s.to}`).toBeGreaterThan(0);
    for (const id of CHARTS) {
      const before = productsOf(old, id);
      for (const [k, now] of productsOf(next, id)) {
        const was = before.get(k);
        if (was?.signatureDate && now.signatureDate) expect(now.signatureDate >= was.signatureDate, k).toBe(true);
      }
    }
    // new product lines (and whole new products) appear; only a few are retired
    expect(p.added.length).toBeGreaterThan(10);
    expect(p.added.some((x) => x.product === 'Huntress Managed EDR')).toBe(true);
    expect(p.removed.length).toBeGreaterThan(0);
    expect(p.removed.length).toBeLessThan(p.added.length / 2);
    expect(p.removed.some((x) => x.product === 'McAfee VirusScan Enterprise')).toBe(true);
    // the newest signatures are from the days just before the manifest's <updated> (2025-03-13)
    const newest = [...productsOf(next, 'avas-windows').values()]
      .map((x) => x.signatureDate ?? '')
      .sort()
      .at(-1);
    expect(newest).toMatch(/^2025-03-(0[6-9]|1[0-2])$/);

    // conditions: newer KBs added, a few superseded ones retired, defaults untouched
    const c = d.content.conditions;
    expect(c.added.length).toBeGreaterThan(3);
    expect(c.removed.length).toBeGreaterThan(0);
    expect(c.removed.length).toBeLessThan(c.added.length);
    expect(c.removed.every((n) => n.startsWith('pr_'))).toBe(true);
    const kb = (names: string[]) => Math.max(...names.map((n) => Number(/KB(\d+)$/.exec(n)?.[1] ?? 0)));
    expect(Math.min(...c.added.map((n) => Number(/KB(\d+)$/.exec(n)?.[1])))).toBeGreaterThan(
      kb(old.contents.get('conditions')?.conditions?.conditions ?? []),
    );
    expect(d.content.requirements.removed).toEqual([]);
    expect(d.content.policies.removed).toEqual([]);
    const defaults = (b: CheckedBundle) => {
      const x = b.contents.get('conditions')?.conditions;
      return [x?.defaultPolicies, x?.defaultRequirements, x?.defaultRemediations];
    };
    expect(defaults(next)).toEqual(defaults(old));

    // OS: later releases are listed from some version on; nothing is dropped
    expect(d.content.os.removed).toEqual([]);
    for (const os of [
      'Windows All/Windows 11 (All)/Windows 11 24H2',
      'Mac OSX/Mac OSX (All)/macOS 15 Sequoia',
      'Linux All/Ubuntu (All)/Ubuntu 24.04',
    ]) {
      expect(d.content.os.added).toContain(os);
      expect(old.contents.get('supported-os')?.os).not.toContain(os);
    }
  });

  it('signatures never go back across a run of chart versions, and content only grows', async () => {
    let prev: CheckedBundle | null = null;
    for (const v of ['250', '251', '258', '297', '298', '330']) {
      const b = await checkBundle(await writeBundle({ scale: 0.5, versions: { avasWindows: `${v}.0.0.0`, conditions: `${v}000.0.0.0` } }));
      if (prev) {
        const d = diffBundles(prev, b);
        for (const s of d.content.products.signatureChanged) expect(compareVersions(s.to as string, s.from as string)).toBeGreaterThan(0);
        const count = (x: CheckedBundle) => x.contents.get('avas-windows')?.products?.length ?? 0;
        expect(count(b)).toBeGreaterThanOrEqual(count(prev) - d.content.products.removed.length);
        expect(d.content.products.signatureChanged.length).toBeGreaterThan(0);
      }
      prev = b;
    }
  });
});
