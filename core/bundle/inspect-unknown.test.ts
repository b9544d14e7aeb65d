/**
 * The unknown layout (bundle-format.md): every container check stays a refusal; inside, everything
 * recognisable is shown — XML by content whatever its name (root, namespace), nested tar listings, anything
 * that looks like a version with where it was found — never verified, and the scan is bounded.
 */
import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { randomBytes } from 'node:crypto';
import { inspectBundle } from './index.js';
import { UNKNOWN_SCAN } from './inspect-unknown.js';
import { unknownLayoutZips } from '../agent/testing.js';

const zip = async (entries: Array<[string, string | Uint8Array]>) => {
  const z = new JSZip();
  for (const [name, data] of entries) z.file(name, data, { date: new Date('2025-03-13T05:00:00Z') });
  return new Uint8Array(await z.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
};

describe('inspect of an unknown layout', () => {
  it('every shape: layout unknown, no versions, roots and namespaces, tar listings, hints with where, not verified', async () => {
    for (const z of await unknownLayoutZips()) {
      const i = await inspectBundle(z.bytes, { fileName: `${z.shape}.zip` });
      expect([z.shape, i.layout, i.versions, i.components]).toEqual([z.shape, 'unknown', null, []]);
      expect(i.warnings.map((w) => w.code)).toEqual(['UNKNOWN_LAYOUT']);
      expect(i.warnings[0]!.message).toMatch(/stages it as a verified file for upload to ISE/);
      // the conditions XML is found by its content, wherever it is and whatever it is called
      const conditions = i.opened!.find((o) => o.root === '{urn:posture-stage:conditions:1}postureConditions')!;
      expect(conditions).toMatchObject({ kind: 'xml' });
      expect(i.versionHints).toContainEqual({
        value: '300418.0.0.0',
        entry: conditions.name,
        in: 'attribute',
        element: 'postureConditions',
        attribute: 'version',
        verified: false,
      });
      expect(i.opened!.filter((o) => o.kind === 'tar.gz').flatMap((o) => o.members)).toContain('os-groups.xml');
      expect(i.versionHints!.every((h) => h.verified === false)).toBe(true);
      expect(i.scan).toMatchObject({ notScanned: [], maxBytes: UNKNOWN_SCAN.maxBytes });
    }
  });

  it('versions in file names, member names and element text are found with where they are', async () => {
    const { writeTarGz } = await import('./tar.js');
    const tgz = await writeTarGz([{ name: 'os/groups-101.6.3.0.xml', data: '<x/>' }], new Date(0));
    const bytes = await zip([
      ['update/cond_300418.0.0.0.dat', 'opaque'],
      ['meta/info', '<?xml version="1.0"?><c:info xmlns:c="urn:cisco:x"><chartVersion>297.0.0.0</chartVersion><n>os 84.6.2</n></c:info>'],
      ['os.pkg', tgz],
    ]);
    const i = await inspectBundle(bytes, { fileName: 'cisco.zip' });
    expect(i.opened).toEqual([
      { name: 'update/cond_300418.0.0.0.dat', kind: 'other' },
      { name: 'meta/info', kind: 'xml', root: '{urn:cisco:x}info' },
      { name: 'os.pkg', kind: 'tar.gz', members: ['os/groups-101.6.3.0.xml'] },
    ]);
    expect(i.versionHints).toEqual([
      { value: '300418.0.0.0', entry: 'update/cond_300418.0.0.0.dat', in: 'file-name', verified: false },
      { value: '297.0.0.0', entry: 'meta/info', in: 'element', element: 'chartVersion', verified: false },
      { value: '84.6.2', entry: 'meta/info', in: 'element', element: 'n', verified: false },
      { value: '101.6.3.0', entry: 'os.pkg', member: 'os/groups-101.6.3.0.xml', in: 'file-name', verified: false },
    ]);
  });

  it('malformed XML shows nothing from inside it; a DTD is not expanded', async () => {
    const bytes = await zip([
      ['a.xml', '<root version="1.2.3.4"><open></root>'],
      ['b', '<!DOCTYPE r [<!ENTITY e "9.9.9.9">]><r v="&e;"/>'],
    ]);
    const i = await inspectBundle(bytes, { fileName: 'bad.zip' });
    expect(i.opened).toEqual([
      { name: 'a.xml', kind: 'other' },
      { name: 'b', kind: 'other' },
    ]);
    expect(i.versionHints).toEqual([]);
    expect(i.checks.filter((c) => c.status === 'warned').map((c) => c.id)).toEqual(['manifest', 'open:a.xml', 'open:b']);
  });

  it('the scan is bounded: hints per entry and an XML over the per-entry bound is listed, not scanned', async () => {
    const many = `<r>${Array.from({ length: 50 }, (_, n) => `<v>${n}.0.0.1</v>`).join('')}</r>`;
    // random text: a plausible compression ratio, so the zip's own limits do not refuse it first
    const big = `<r a="1.2.3.4">${randomBytes(UNKNOWN_SCAN.maxEntryBytes / 2).toString('hex')}</r>`;
    const i = await inspectBundle(
      await zip([
        ['many.xml', many],
        ['big.xml', big],
      ]),
      { fileName: 'big.zip' },
    );
    expect(i.versionHints!.filter((h) => h.entry === 'many.xml')).toHaveLength(UNKNOWN_SCAN.maxHintsPerEntry);
    expect(i.scan!.hintsOmitted).toBe(50 - UNKNOWN_SCAN.maxHintsPerEntry);
    expect(i.scan!.notScanned).toEqual([{ name: 'big.xml', reason: 'larger than 16 MiB' }]);
    expect(i.opened!.find((o) => o.name === 'big.xml')).toEqual({ name: 'big.xml', kind: 'other' });
    expect(i.versionHints!.some((h) => h.entry === 'big.xml')).toBe(false);
  });

  it('container checks stay refusals in the unknown layout', async () => {
    const good = (await unknownLayoutZips())[0]!.bytes;
    await expect(inspectBundle(good.slice(0, good.length - 30))).rejects.toMatchObject({ code: expect.stringMatching(/^ZIP_/) });
    const z = await JSZip.loadAsync(good);
    z.file('../escape.xml', '<r/>');
    await expect(inspectBundle(await z.generateAsync({ type: 'uint8array' }))).rejects.toMatchObject({ code: 'ZIP_UNSAFE_PATH' });
  });
});
