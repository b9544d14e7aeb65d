import { describe, expect, it } from 'vitest';
import { checkBundle } from './check.js';
import { CoreError } from '../errors.js';
import { PAYLOAD_FIXTURES, unknownLayoutBundle } from './fixtures/payload.js';
import { writeBundle } from './write.js';
import type { ChunkSink } from './zip/inflate.js';

describe('checkBundle: payload fixtures', () => {
  for (const f of PAYLOAD_FIXTURES) {
    it(`${f.name} → ${f.code ?? (f.warning ? `passes with ${f.warning}` : 'passes')}`, async () => {
      const zip = await f.build();
      const run = checkBundle(zip, { limits: f.limits });
      if (f.code) {
        const err = await run.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, 'expected a refusal').toBeInstanceOf(CoreError);
        const e = err as CoreError;
        expect({ code: e.code, message: e.message }).toMatchObject({ code: f.code });
        expect(e.details).toMatchObject(f.details ?? {});
        expect(e.message.length).toBeGreaterThan(20);
        return;
      }
      const checked = await run;
      const warnings = checked.inspection.warnings;
      if (f.warning) {
        expect(warnings.map((w) => w.code)).toContain(f.warning);
        expect(warnings[0]?.details ?? {}).toMatchObject(f.details ?? {});
      } else expect(warnings).toEqual([]);
    });
  }
});

describe('checkBundle: inspection of the reference sample', () => {
  it('reads the five versions, every component and passes every check', async () => {
    const { inspection, contents } = await checkBundle(await writeBundle({ seed: 3, scale: 0.2 }));
    expect(inspection.layout).toBe('reference');
    expect(inspection.versions).toEqual({
      conditions: '300418.0.0.0',
      avasWindows: '297.0.0.0',
      avasMac: '214.0.0.0',
      avasLinux: '66.0.0.0',
      supportedOs: '101.6.3.0',
    });
    expect(inspection.updated).toBe('2025-03-13T05:00:00Z');
    expect(inspection.components.map((c) => c.id)).toEqual([
      'conditions',
      'avas-windows',
      'avas-mac',
      'avas-linux',
      'supported-os',
      'supported-os-legacy',
    ]);
    expect(inspection.checks.length).toBeGreaterThan(30);
    expect(inspection.checks.every((c) => c.status === 'passed')).toBe(true);
    const cond = inspection.components[0]?.summary;
    expect(cond?.kind).toBe('conditions');
    if (cond?.kind === 'conditions') {
      expect(cond.defaults.policies).toContain('Default_AntiMalware_Policy_Win');
      expect(cond.defaults.policies).toContain('Default_USB_Block_Policy_Win');
      expect(cond.counts.checks).toBe(contents.get('conditions')?.conditions?.checks.length);
    }
    const win = inspection.components[1]?.summary;
    if (win?.kind !== 'avas') throw new Error('avas summary expected');
    const defender = win.items.find((p) => p.product === 'Microsoft Defender Antivirus');
    expect(defender).toMatchObject({ vendor: 'Microsoft Corporation', category: 'antimalware' });
    expect(defender?.signatureVersion).toMatch(/^1\.\d+\.\d+\.0$/);
    expect(defender?.capabilities).toContain('definition');
    const os = inspection.components[4]?.summary;
    if (os?.kind !== 'os') throw new Error('os summary expected');
    expect(os.tree.map((g) => g.name)).toEqual(['Windows All', 'Mac OSX', 'Linux All']);
    expect(contents.get('supported-os')?.os).toContain('Windows All/Windows 11 (All)/Windows 11 Enterprise');
    for (const c of inspection.components) expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('unknown layout: lists and opens entries, claims no versions; requireReference refuses it', async () => {
    const zip = await unknownLayoutBundle();
    const { inspection, contents } = await checkBundle(zip);
    expect(inspection.layout).toBe('unknown');
    expect(inspection.versions).toBeNull();
    expect(inspection.updated).toBeNull();
    expect(inspection.components).toEqual([]);
    expect(contents.size).toBe(0);
    expect(inspection.opened).toContainEqual({
      name: 'content/posture-conditions.xml',
      kind: 'xml',
      root: '{urn:posture-stage:conditions:1}postureConditions',
    });
    expect(inspection.opened).toContainEqual({ name: 'content/osgroupsV2.tar.gz', kind: 'tar.gz', members: ['os-groups.xml'] });
    await expect(checkBundle(zip, { requireReference: true })).rejects.toMatchObject({ code: 'MANIFEST_MISSING' });
  });

  it('container faults from readBundle propagate', async () => {
    await expect(checkBundle(new Uint8Array(Buffer.from('not a zip at all')))).rejects.toMatchObject({ code: 'NOT_A_ZIP' });
  });
});

describe('checkBundle: two lanes', () => {
  it('streams at most two entries at once, the next beside the one in turn, asked for in the layout order', async () => {
    const { readBundle } = await import('./read.js');
    const opened = await readBundle(await writeBundle({ seed: 5, scale: 0.2 }));
    let pending = 0;
    let most = 0;
    const reads: string[] = [];
    const wrapped = {
      ...opened,
      stream: async (name: string, sink: ChunkSink, alongside?: string) => {
        most = Math.max(most, ++pending);
        reads.push(name);
        try {
          const inflated = await opened.stream(name, sink, alongside);
          // let the caller run with these bytes before the read counts as finished
          await new Promise((r) => setImmediate(r));
          return inflated;
        } finally {
          pending--;
        }
      },
    };
    const { inspection } = await checkBundle(wrapped);
    expect(inspection.components).toHaveLength(6);
    expect(reads).toEqual(['posture-update.xml', ...inspection.components.map((c) => c.file)]);
    expect(most).toBe(2);
  });

  /** The outcome of a check, comparable across runs: the inspection, or the refusal with its details. */
  type Outcome = { ok: boolean; inspection?: unknown; code?: string; message?: string; details?: Record<string, unknown>; thrown?: string };
  const outcome = async (lanes: boolean, limits: Record<string, number>, payloadDir?: string): Promise<Outcome> => {
    const { readBundle } = await import('./read.js');
    const opened = await readBundle(zip as Uint8Array);
    // without lanes: the same bundle, its streams asked for one after the other
    const input = lanes ? opened : { ...opened, stream: (name: string, sink: ChunkSink) => opened.stream(name, sink) };
    return checkBundle(input, { limits, ...(payloadDir ? { payloadDir } : {}) }).then(
      (c) => ({ ok: true, inspection: c.inspection }),
      (e: unknown) =>
        e instanceof CoreError ? { ok: false, code: e.code, message: e.message, details: e.details } : { ok: false, thrown: String(e) },
    );
  };
  let zip: Uint8Array | null = null;

  it('refuses exactly as one after the other would for every XML work budget, wherever it runs out', async () => {
    zip = await writeBundle({ seed: 7, scale: 0.3 });
    // the least budget that passes, by doubling then bisection
    const passes = async (units: number) => (await outcome(false, { minXmlNodes: units, xmlNodesPerByte: 0.000001 })).ok;
    let hi = 1000;
    while (!(await passes(hi))) hi *= 2;
    let lo = hi / 2;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await passes(mid)) hi = mid;
      else lo = mid;
    }
    const entries = new Set<string>();
    for (let k = 1; k <= 24; k++) {
      const limits = { minXmlNodes: Math.floor((hi * k) / 24), xmlNodesPerByte: 0.000001 };
      const serial = await outcome(false, limits);
      expect(await outcome(true, limits), `budget ${limits.minXmlNodes} of ${hi}`).toEqual(serial);
      if (!serial.ok) entries.add(String(serial.details?.entry));
    }
    // the sweep ran out in several components, the second and later ones included
    expect(entries.size).toBeGreaterThanOrEqual(4);
  });

  it('a component read beside another and then read again in turn leaves the payload directory as one after the other does', async () => {
    const { mkdtemp, readdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'lanes-'))));
    try {
      // a budget that runs out in the third component (avas-windows, read beside the conditions)
      const limits = { minXmlNodes: 1, xmlNodesPerByte: 0.000001 };
      for (let units = 1000; ; units *= 1.5) {
        limits.minXmlNodes = Math.floor(units);
        const serial = await outcome(false, limits, dirs[0]);
        const lanes = await outcome(true, limits, dirs[1]);
        expect(lanes).toEqual(serial);
        expect((await readdir(dirs[1] as string)).sort()).toEqual((await readdir(dirs[0] as string)).sort());
        await Promise.all(dirs.map(async (d) => Promise.all((await readdir(d)).map((f) => rm(join(d, f))))));
        if (serial.ok || serial.details?.entry === 'avas-support-chart-mac.xml') break;
      }
    } finally {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    }
  });
});

describe('checkBundle: contents', () => {
  it('without contents (inspect) the inspection is the same and no content is kept', async () => {
    const zip = await writeBundle({ seed: 4, scale: 0.2 });
    const full = await checkBundle(zip);
    const summary = await checkBundle(zip, { contents: false });
    expect(summary.inspection).toEqual(full.inspection);
    expect(summary.contents.size).toBe(0);
    expect(full.contents.size).toBe(6);
    expect(full.contents.get('avas-windows')?.products?.length).toBeGreaterThan(0);
  });
});

describe('checkBundle: cancellation', () => {
  it('an abort between components is CANCELLED (a coded refusal, not an internal error)', async () => {
    const { readBundle } = await import('./read.js');
    const opened = await readBundle(await writeBundle({ seed: 5, scale: 0.1 }));
    const controller = new AbortController();
    let reads = 0;
    // the abort lands after a read has finished, so only checkBundle's own loop can notice it
    const wrapped = {
      ...opened,
      stream: async (name: string, sink: ChunkSink) => {
        const inflated = await opened.stream(name, sink);
        if (++reads === 3) controller.abort();
        return inflated;
      },
    };
    const err = await checkBundle(wrapped, { signal: controller.signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CoreError);
    expect(err).toMatchObject({ code: 'CANCELLED', details: { file: 'bundle.zip' } });
  });
});

describe('checkBundle: limits', () => {
  it('takes the limits as readBundle does when given an opened bundle: undefined keeps the default, a negative one is USAGE', async () => {
    const { readBundle } = await import('./read.js');
    const opened = await readBundle(await writeBundle({ seed: 5, scale: 0.1 }));
    await expect(checkBundle(opened, { limits: { maxTarMembers: -1 } })).rejects.toMatchObject({
      code: 'USAGE',
      details: { limit: 'maxTarMembers' },
    });
    await expect(checkBundle(opened, { limits: { maxTarMembers: undefined, maxTarSize: undefined } })).resolves.toBeDefined();
  });
});
