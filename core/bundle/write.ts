/**
 * The sample writer (`posture-stage sample`): a realistic reference-layout bundle
 * (bundle-format.md "Reference layout", "Manifest", "Payloads"), deterministic (same options ⇒
 * same bytes: keyed PRNGs, fixed zip/tar/gzip dates) and scalable (`scale` multiplies the content).
 *
 * Decision — content follows the versions, not the seed. Each payload is a function of its own
 * component's version and `scale` only (sample/timeline.ts), so that:
 *  - two bundles with the same component version carry the SAME payload bytes (same SHA-256), which
 *    is what makes a node's "same version → skipped" honest;
 *  - a newer version reads like a real later release: AV/AS signatures never go back and a few
 *    product lines appear or retire, conditions gain newer KBs (a few superseded ones retire, the
 *    defaults never change), and the supported-OS list only grows (newer OS releases appear).
 * The seed is not versioned content: it is written to the manifest's Atom <generator> only, so
 * different seeds give different bundle files (different bundle SHA-256, as when the same content is
 * re-published) around identical payloads. Signature dates follow the chart version's release date
 * (about a week per chart version; the reference charts just before the default `updated`), not
 * `--updated`, which only sets the manifest's and the zip's dates.
 */
import { createHash } from 'node:crypto';
import type { SampleOptions, Versions } from './types.js';
import { CoreError } from '../errors.js';
import { LAYOUT, MANIFEST_NAME, VERSION_RE, type LayoutRow } from './layout.js';
import { conditionsXml } from './sample/conditions.js';
import { avasXml } from './sample/avas.js';
import { legacyOsXml, osGroupsXml } from './sample/os.js';
import { manifestXml, type ManifestItem } from './sample/manifest.js';
import { writeZip, type ZipInput } from './sample/zip.js';
import { writeTarGz } from './tar.js';
import { SAMPLE_VERSIONS, majorOf, refMajor, releaseDate } from './sample/timeline.js';

/** The "new" versions of bundle-format.md's public example (the sample's default and calibration point). */
const SAMPLE_UPDATED = '2025-03-13T05:00:00Z';

/** Progress steps of writeBundle: six payloads generated, then seven zip entries compressed. */
const TOTAL_STEPS = 13;

const utf8 = (chunks: Iterable<string>) => new Uint8Array(Buffer.from(Array.from(chunks).join(''), 'utf8'));

export interface SamplePayloads {
  versions: Versions;
  /** written to the manifest's <generator> only: payloads do not depend on it */
  seed?: number;
  /** manifest <updated>, ISO without milliseconds */
  updated: string;
  when: Date;
  /** file name at the archive root → bytes, in the reference layout's order */
  payloads: Map<string, Uint8Array>;
}

/** One payload of the sample as it can be generated: XML text chunks (made as they are taken) or the bytes of a .tar.gz. */
export type PayloadMaker = { file: string; xml: () => Iterable<string> } | { file: string; bytes: () => Promise<Uint8Array> };

/** What samplePlan settles from the options: everything but the payloads' bytes. */
export type SamplePlan = Omit<SamplePayloads, 'payloads'> & { makers: PayloadMaker[] };

/** Validates the options and generates every payload of the reference layout (no zip yet). */
export async function samplePayloads(opts: SampleOptions = {}): Promise<SamplePayloads> {
  const { makers, ...plan } = samplePlan(opts);
  const payloads = new Map<string, Uint8Array>();
  for (const m of makers) {
    payloads.set(m.file, 'xml' in m ? utf8(m.xml()) : await m.bytes());
    opts.onProgress?.(payloads.size, TOTAL_STEPS);
  }
  return { ...plan, payloads };
}

/** Validates the options and says how each payload of the reference layout is made, in the layout's order. */
export function samplePlan(opts: SampleOptions = {}): SamplePlan {
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  const versions: Versions = { ...SAMPLE_VERSIONS, ...opts.versions };
  const updated = opts.updated ?? SAMPLE_UPDATED;
  const when = new Date(updated);
  if (!Number.isFinite(seed)) throw new CoreError('USAGE', `--seed must be a number, got ${String(opts.seed)}.`);
  if (!(scale > 0 && scale <= 2000))
    throw new CoreError('USAGE', `--scale must be a number above 0 and at most 2000, got ${String(opts.scale)}.`);
  if (Number.isNaN(when.getTime()))
    throw new CoreError('USAGE', `--updated must be an ISO date such as ${SAMPLE_UPDATED}, got ${updated}.`);
  // zip entries carry DOS dates (APPNOTE 4.4.6), which only span 1980-2107
  if (when.getUTCFullYear() < 1980 || when.getUTCFullYear() > 2107)
    throw new CoreError('USAGE', `--updated must lie between 1980 and 2107 (zip dates cannot hold other years), got ${updated}.`, {
      updated,
    });
  for (const [key, v] of Object.entries(versions)) {
    if (!VERSION_RE.test(v))
      throw new CoreError('USAGE', `The ${key} version must be four dot-separated numbers such as 297.0.0.0, got ${v}.`, {
        key,
        version: v,
      });
  }
  // the tar members' dates follow the OS version (not --updated): same version ⇒ same .tar.gz bytes
  const osBuilt = releaseDate(majorOf(versions.supportedOs), refMajor('supportedOs'));
  // one generator per payload kind of the component registry
  const make = (row: LayoutRow): PayloadMaker => {
    const p = row.payload;
    const version = versions[row.versionKey];
    if (p.kind === 'conditions') return { file: row.file, xml: () => conditionsXml(version, scale) };
    if (p.kind === 'avas') return { file: row.file, xml: () => avasXml(p.os, version, scale) };
    // the OS lists stay small (a few MB at the largest scale): their .tar.gz is made whole
    const xml = () => (p.legacy ? legacyOsXml(version, scale) : osGroupsXml(version, scale));
    return { file: row.file, bytes: () => writeTarGz([{ name: row.member as string, data: utf8(xml()) }], osBuilt) };
  };
  return { versions, seed, updated: when.toISOString().replace(/\.000Z$/, 'Z'), when, makers: LAYOUT.map(make) };
}

/** The manifest for payloads as the reference layout names them (versions from `versions`). */
export function sampleManifest(p: SamplePayloads): string {
  return manifestFor(p, (file) => {
    const data = p.payloads.get(file) ?? new Uint8Array(0);
    return { sha256: createHash('sha256').update(data).digest('hex'), length: data.byteLength };
  });
}

/** The manifest of a plan whose payloads' SHA-256 and length `digest` gives, by file name. */
export function manifestFor(
  p: Pick<SamplePayloads, 'versions' | 'updated' | 'seed'>,
  digest: (file: string) => { sha256: string; length: number },
): string {
  const items: ManifestItem[] = LAYOUT.map((row) => ({
    id: row.id,
    title: row.title,
    href: row.file,
    type: row.member ? 'application/gzip' : 'application/xml',
    version: p.versions[row.versionKey],
    ...digest(row.file),
  }));
  return manifestXml(items, p.updated, p.seed === undefined ? undefined : `posture-stage sample (seed ${p.seed})`);
}

/** Zips a manifest and payloads (.tar.gz stored, the rest deflated) with fixed dates. */
export function assembleBundle(
  manifest: string | Uint8Array,
  payloads: Map<string, Uint8Array>,
  when: Date,
  onEntry?: (done: number) => void,
): Uint8Array {
  const entries: ZipInput[] = [
    { name: MANIFEST_NAME, data: typeof manifest === 'string' ? new Uint8Array(Buffer.from(manifest, 'utf8')) : manifest },
  ];
  for (const [name, data] of payloads) entries.push({ name, data, store: name.endsWith('.gz') });
  return writeZip(entries, when, onEntry);
}

/** Writes a realistic reference-layout bundle: payloads follow the versions, the seed only marks the manifest. */
export async function writeBundle(opts: SampleOptions = {}): Promise<Uint8Array> {
  const p = await samplePayloads(opts);
  // compressing is about half the work: one step per zip entry (manifest + six payloads)
  return assembleBundle(sampleManifest(p), p.payloads, p.when, (n) => opts.onProgress?.(p.payloads.size + n, TOTAL_STEPS));
}
