/**
 * The sample writer (`posture-stage sample`): a realistic reference-layout bundle
 * (bundle-format.md "Reference layout", "Manifest", "Payloads"), deterministic per seed
 * (seeded PRNG, fixed zip/tar/gzip dates) and scalable (`scale` multiplies the content).
 */
import type { SampleOptions, Versions } from './types.js';
import { CoreError } from '../errors.js';
import { LAYOUT, MANIFEST_NAME, VERSION_RE } from './layout.js';
import { conditionsXml } from './sample/conditions.js';
import { avasXml } from './sample/avas.js';
import { legacyOsXml, osGroupsXml } from './sample/os.js';
import { manifestXml, type ManifestItem } from './sample/manifest.js';
import { writeZip, type ZipInput } from './sample/zip.js';
import { writeTarGz } from './tar.js';

/** The "new" versions of bundle-format.md's public example. */
export const SAMPLE_VERSIONS: Versions = {
  conditions: '300418.0.0.0',
  avasWindows: '297.0.0.0',
  avasMac: '214.0.0.0',
  avasLinux: '66.0.0.0',
  supportedOs: '101.6.3.0',
};
export const SAMPLE_UPDATED = '2025-03-13T05:00:00Z';

/** Progress steps of writeBundle: six payloads generated, then seven zip entries compressed. */
const TOTAL_STEPS = 13;

const utf8 = (chunks: string[]) => new Uint8Array(Buffer.from(chunks.join(''), 'utf8'));

export interface SamplePayloads {
  versions: Versions;
  /** manifest <updated>, ISO without milliseconds */
  updated: string;
  when: Date;
  /** file name at the archive root → bytes, in the reference layout's order */
  payloads: Map<string, Uint8Array>;
}

/** Validates the options and generates every payload of the reference layout (no zip yet). */
export async function samplePayloads(opts: SampleOptions = {}): Promise<SamplePayloads> {
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  const versions: Versions = { ...SAMPLE_VERSIONS, ...opts.versions };
  const updated = opts.updated ?? SAMPLE_UPDATED;
  const when = new Date(updated);
  if (!Number.isFinite(seed)) throw new CoreError('USAGE', `--seed must be a number, got ${String(opts.seed)}.`);
  if (!(scale > 0 && scale <= 2000)) throw new CoreError('USAGE', `--scale must be a number above 0 and at most 2000, got ${String(opts.scale)}.`);
  if (Number.isNaN(when.getTime())) throw new CoreError('USAGE', `--updated must be an ISO date such as ${SAMPLE_UPDATED}, got ${updated}.`);
  for (const [key, v] of Object.entries(versions)) {
    if (!VERSION_RE.test(v)) throw new CoreError('USAGE', `The ${key} version must be four dot-separated numbers such as 297.0.0.0, got ${v}.`, { key, version: v });
  }
  const steps: Array<[string, () => Uint8Array | Promise<Uint8Array>]> = [
    ['posture-conditions.xml', () => utf8(conditionsXml(versions.conditions, seed, scale))],
    ['avas-support-chart-windows.xml', () => utf8(avasXml('windows', versions.avasWindows, seed, scale, when))],
    ['avas-support-chart-mac.xml', () => utf8(avasXml('mac', versions.avasMac, seed, scale, when))],
    ['avas-support-chart-linux.xml', () => utf8(avasXml('linux', versions.avasLinux, seed, scale, when))],
    ['osgroupsV2.tar.gz', () => writeTarGz([{ name: 'os-groups.xml', data: utf8(osGroupsXml(versions.supportedOs, scale)) }], when)],
    ['osgroups.tar.gz', () => writeTarGz([{ name: 'osgroups.xml', data: utf8(legacyOsXml(versions.supportedOs, scale)) }], when)],
  ];
  const payloads = new Map<string, Uint8Array>();
  for (const [name, make] of steps) {
    payloads.set(name, await make());
    opts.onProgress?.(payloads.size, TOTAL_STEPS);
  }
  return { versions, updated: when.toISOString().replace(/\.000Z$/, 'Z'), when, payloads };
}

/** The manifest for payloads as the reference layout names them (versions from `versions`). */
export function sampleManifest(p: SamplePayloads): string {
  const items: ManifestItem[] = LAYOUT.map((row) => ({
    id: row.id,
    title: row.title,
    href: row.file,
    type: row.member ? 'application/gzip' : 'application/xml',
    version: p.versions[row.versionKey],
    data: p.payloads.get(row.file) ?? new Uint8Array(0),
  }));
  return manifestXml(items, p.updated);
}

/** Zips a manifest and payloads (.tar.gz stored, the rest deflated) with fixed dates. */
export function assembleBundle(manifest: string | Uint8Array, payloads: Map<string, Uint8Array>, when: Date, onEntry?: (done: number) => void): Uint8Array {
  const entries: ZipInput[] = [{ name: MANIFEST_NAME, data: typeof manifest === 'string' ? new Uint8Array(Buffer.from(manifest, 'utf8')) : manifest }];
  for (const [name, data] of payloads) entries.push({ name, data, store: name.endsWith('.gz') });
  return writeZip(entries, when, onEntry);
}

/** Writes a realistic reference-layout bundle, deterministic per seed. */
export async function writeBundle(opts: SampleOptions = {}): Promise<Uint8Array> {
  const p = await samplePayloads(opts);
  // compressing is about half the work: one step per zip entry (manifest + six payloads)
  return assembleBundle(sampleManifest(p), p.payloads, p.when, (n) => opts.onProgress?.(p.payloads.size + n, TOTAL_STEPS));
}
