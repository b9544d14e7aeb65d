/**
 * Writes `avas-support-chart-<os>.xml` (bundle-format.md "Payloads"): real AV/AS vendors and products
 * with their newest signature (definition) version and date. `scale` multiplies the product rows
 * (one row per supported product release line, as support charts list them).
 */
import { Prng } from './prng.js';
import { attrs } from './xmltext.js';
import { VENDORS, type ChartOs } from './names.js';

/** Product release lines per scale unit and OS (sized so --scale 1 ≈ 1 MB of zip in total). */
const LINES_PER_SCALE: Record<ChartOs, number> = { windows: 4, mac: 8, linux: 8 };
const BINARIES_PER_PRODUCT = 80;

const CAPABILITIES: Record<string, string[]> = {
  antimalware: ['installation', 'definition', 'running', 'remediation'],
  antivirus: ['installation', 'definition', 'running'],
  antispyware: ['installation', 'definition'],
  firewall: ['installation', 'enabled'],
};

/** Writes one AV/AS support chart as string chunks. */
export function avasXml(os: ChartOs, version: string, seed: number, scale: number, updated: Date): string[] {
  const rnd = new Prng(seed ^ (os === 'windows' ? 0xa1 : os === 'mac' ? 0xa2 : 0xa3));
  const out = [`<?xml version="1.0" encoding="UTF-8"?>\n<avasSupportChart xmlns="urn:posture-stage:avas:1" os="${os}" version="${version}">\n`];
  const lines = Math.max(1, Math.round(LINES_PER_SCALE[os] * scale));
  let productId = 1000;
  VENDORS[os].forEach((vendor, v) => {
    out.push(`<vendor${attrs({ id: String(v + 1), name: vendor.name })}>\n`);
    for (const [name, category, versions] of vendor.products) {
      const major = versions.replace(/\.x$/, '');
      for (let line = 0; line < lines; line++) {
        const release = line === 0 ? versions : `${major}.${line}.x`;
        out.push(`<product${attrs({ id: String(++productId), name: line === 0 ? name : `${name} ${major}.${line}`, category, versions: release })}>`);
        if (category !== 'firewall') {
          const sig = `1.${400 + rnd.int(30)}.${rnd.int(1000)}.0`;
          out.push(`<signature${attrs({ version: sig, date: rnd.dateBefore(updated, 30) })}/>`);
        }
        for (const c of CAPABILITIES[category] ?? []) out.push(`<capability>${c}</capability>`);
        // how the posture agent recognises the installed product: SHA-256 of the known binaries of this release line
        const hashes: string[] = [];
        for (let d = 0; d < BINARIES_PER_PRODUCT; d++) hashes.push(rnd.sha256());
        out.push(`<binaries algorithm="sha256">${hashes.join(' ')}</binaries>`);
        out.push('</product>\n');
      }
    }
    out.push('</vendor>\n');
  });
  out.push('</avasSupportChart>\n');
  return out;
}
