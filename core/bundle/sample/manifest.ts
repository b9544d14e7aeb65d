/** Writes the manifest `posture-update.xml` (bundle-format.md "Manifest"). */
import type { ComponentId } from '../types.js';
import { attrs, esc } from './xmltext.js';

export interface ManifestItem {
  id: ComponentId;
  title: string;
  href: string;
  type: string;
  version: string;
  /** the payload's SHA-256 (lowercase hex) and length */
  sha256: string;
  length: number;
}

/**
 * The Atom feed listing every payload with its version, length and SHA-256. `generator` (Atom's own
 * <generator> element, ignored by readers) names what wrote the bundle, e.g. the sample's seed.
 */
export function manifestXml(items: ManifestItem[], updated: string, generator?: string): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:update="http://www.cisco.com/cpm/update/1.0">\n',
    '  <title>Posture Update</title>\n  <id>https://www.cisco.com/web/secure/spa/posture-update.xml</id>\n',
    `  <updated>${esc(updated)}</updated>\n  <update:format>1</update:format>\n`,
  ];
  if (generator !== undefined) out.push(`  <generator>${esc(generator)}</generator>\n`);
  for (const it of items) {
    out.push(
      `  <entry>\n    <id>urn:cisco:ise:posture:${it.id}</id>\n    <title>${esc(it.title)}</title>\n    <updated>${esc(updated)}</updated>\n`,
      `    <update:component>${it.id}</update:component>\n    <update:version>${esc(it.version)}</update:version>\n`,
      `    <update:sha256>${it.sha256}</update:sha256>\n`,
      `    <link${attrs({ rel: 'enclosure', type: it.type, length: it.length, href: it.href })}/>\n  </entry>\n`,
    );
  }
  out.push('</feed>\n');
  return out.join('');
}
