import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { writeBundle } from './write.js';
import { checkBundle } from './check.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('writeBundle (posture-stage sample)', () => {
  it('is deterministic per seed and differs across seeds', async () => {
    const a = await writeBundle({ seed: 42, scale: 0.1 });
    const b = await writeBundle({ seed: 42, scale: 0.1 });
    const c = await writeBundle({ seed: 43, scale: 0.1 });
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
  });

  it('writes the reference layout at the root, readable by another zip reader, with fixed dates', async () => {
    const zip = await JSZip.loadAsync(await writeBundle({ scale: 0.1 }));
    const names = Object.keys(zip.files).sort();
    expect(names).toEqual(['avas-support-chart-linux.xml', 'avas-support-chart-mac.xml', 'avas-support-chart-windows.xml', 'osgroups.tar.gz', 'osgroupsV2.tar.gz', 'posture-conditions.xml', 'posture-update.xml']);
    const manifest = await zip.file('posture-update.xml')!.async('string');
    expect(manifest).toContain('xmlns:update="http://www.cisco.com/cpm/update/1.0"');
    expect(manifest).not.toContain('DOCTYPE');
    for (const f of Object.values(zip.files)) expect(f.date.getUTCFullYear()).toBe(2025);
  });

  it('takes versions and the updated time from the options', async () => {
    const { inspection } = await checkBundle(await writeBundle({ scale: 0.1, versions: { conditions: '280052.0.0.0', supportedOs: '84.6.2.0' }, updated: '2024-01-02T03:04:05Z' }));
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

  it('refuses bad options with USAGE', async () => {
    await expect(writeBundle({ versions: { avasMac: '214.0' } })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(writeBundle({ scale: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(writeBundle({ updated: 'yesterday' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
