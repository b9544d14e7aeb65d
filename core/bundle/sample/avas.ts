/**
 * Writes `avas-support-chart-<os>.xml` (bundle-format.md "Payloads"): real AV/AS vendors and products
 * with their newest signature (definition) version and date. `scale` multiplies the product rows
 * (one row per supported product release line, as support charts list them).
 *
 * The chart is a function of (os, chart version, scale) — see ./timeline.ts. A newer chart lists
 * more release lines (new product lines; a few old ones retired), and every product's signature is
 * the one current at the chart's release date, so signatures only move forward from chart to chart.
 */
import { prngFor, unitFor } from './prng.js';
import { attrs } from './xmltext.js';
import { VENDORS, type ChartOs } from './names.js';
import { chartDay, clampDay, countAt, isoDay, majorOf, refMajor } from './timeline.js';

/** Product release lines per scale unit and OS at the reference chart (sized so --scale 1 ≈ 1 MB of zip in total). */
const LINES_PER_SCALE: Record<ChartOs, number> = { windows: 4, mac: 8, linux: 8 };
const BINARIES_PER_PRODUCT = 80;
/** Share of release lines retired once three newer lines of the same product are listed. */
const RETIRE_SHARE = 0.06;
const RETIRE_AFTER = 3;
/** A signature is 0–5 days older than its chart: less than a chart's cadence (7 days), so signatures never go back. */
const DAYS_LAG = 6;

const REF_KEY = { windows: 'avasWindows', mac: 'avasMac', linux: 'avasLinux' } as const;

const CAPABILITIES: Record<string, string[]> = {
  antimalware: ['installation', 'definition', 'running', 'remediation'],
  antivirus: ['installation', 'definition', 'running'],
  antispyware: ['installation', 'definition'],
  firewall: ['installation', 'enabled'],
};

/**
 * The signature current on `day` for a product line: `A.B.C.0` with B = week and C = day-in-week
 * ×1000 + build, so a later day never gives a smaller version (field-by-field numeric order).
 */
function signature(key: string, productKey: string, day: number): { version: string; date: string } {
  const family = prngFor(productKey);
  const a = 1 + family.int(3);
  const b = Math.max(0, 100 + family.int(300) + Math.floor(day / 7) - 2500);
  const build = prngFor(`${key}|${day}`).int(1000);
  return { version: `${a}.${b}.${(day % 7) * 1000 + build}.0`, date: isoDay(day) };
}

/** Writes one AV/AS support chart as string chunks, generated as they are taken. */
export function* avasXml(os: ChartOs, version: string, scale: number): Generator<string> {
  const t = majorOf(version);
  const ref = refMajor(REF_KEY[os]);
  const released = chartDay(t, ref);
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<avasSupportChart xmlns="urn:posture-stage:avas:1" os="${os}" version="${version}">\n`;
  const lines = Math.max(1, Math.round(LINES_PER_SCALE[os] * scale));
  for (const [v, vendor] of VENDORS[os].entries()) {
    // the vendor element is opened with its first listed product (a vendor whose products are all unlisted is left out)
    let opened = false;
    for (const [p, [name, category, versions, since = 0, until = Infinity]] of vendor.products.entries()) {
      if (t < since || t >= until) continue;
      const productKey = `${os}|${vendor.name}|${name}`;
      const major = versions.replace(/\.x$/, '');
      const listed = countAt(lines, REF_KEY[os], t, unitFor(`${productKey}|offset`));
      for (let line = 0; line < listed; line++) {
        const key = `${productKey}|${line}`;
        // an old release line is dropped from the chart once it is superseded (line 0 is the product itself)
        if (line > 0 && listed - line > RETIRE_AFTER && unitFor(`${key}|retire`) < RETIRE_SHARE) continue;
        if (!opened) yield `<vendor${attrs({ id: String(v + 1), name: vendor.name })}>\n`;
        opened = true;
        const release = line === 0 ? versions : `${major}.${line}.x`;
        const id = 1000 + (v * 10 + p) * 100_000 + line;
        yield `<product${attrs({ id: String(id), name: line === 0 ? name : `${name} ${major}.${line}`, category, versions: release })}>`;
        if (category !== 'firewall') {
          // definitions are published daily; the chart carries one from the last few days before its release
          const lag = prngFor(`${key}|${t}|lag`).int(DAYS_LAG);
          const sig = signature(key, productKey, clampDay(released - lag));
          yield `<signature${attrs({ version: sig.version, date: sig.date })}/>`;
        }
        for (const c of CAPABILITIES[category] ?? []) yield `<capability>${c}</capability>`;
        // how the posture agent recognises the installed product: SHA-256 of the known binaries of this release line
        const rnd = prngFor(`${key}|binaries`);
        const hashes: string[] = [];
        for (let d = 0; d < BINARIES_PER_PRODUCT; d++) hashes.push(rnd.sha256());
        yield `<binaries algorithm="sha256">${hashes.join(' ')}</binaries>`;
        yield '</product>\n';
      }
    }
    if (opened) yield '</vendor>\n';
  }
  yield '</avasSupportChart>\n';
}
