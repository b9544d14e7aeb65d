/**
 * Writes the OS-groups payloads (bundle-format.md "Payloads"): `os-groups.xml` (the tree, inside
 * osgroupsV2.tar.gz) and the flat legacy `osgroups.xml` (inside osgroups.tar.gz). `scale` adds
 * builds/updates of each OS as further entries.
 *
 * A function of (supported-OS version, scale) — see ./timeline.ts: an OS released later is listed only
 * from its `since` version on (names.ts), and a newer version lists more builds of each OS; nothing is
 * ever dropped, so a newer supported-OS version is a superset of an older one.
 */
import { attrs } from './xmltext.js';
import { OS_GROUPS, WINDOWS_BUILDS, type OsSeed } from './names.js';
import { countAt, majorOf } from './timeline.js';

function osNames(entry: OsSeed, t: number, scale: number): string[] {
  const [base, since] = typeof entry === 'string' ? [entry, 0] : entry;
  if (t < since) return [];
  const names = [base];
  // an entry that names a feature update already (Windows 11 24H2) has no builds of its own
  if (/\d\dH\d$/.test(base)) return names;
  const atRef = Math.round(scale * 2);
  const extra = atRef === 0 ? 0 : countAt(atRef, 'supportedOs', t);
  const windows = base.startsWith('Windows');
  for (let i = 0; i < extra; i++) {
    const build = windows
      ? `${WINDOWS_BUILDS[i % WINDOWS_BUILDS.length]}${i >= WINDOWS_BUILDS.length ? ` (rev ${Math.floor(i / WINDOWS_BUILDS.length)})` : ''}`
      : `Update ${i + 1}`;
    names.push(`${base} ${build}`);
  }
  return names;
}

/** os-groups.xml: groups → subgroups → os. */
export function osGroupsXml(version: string, scale: number): string[] {
  const t = majorOf(version);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>\n<osGroups xmlns="urn:posture-stage:os:1" version="${version}">\n`];
  for (const g of OS_GROUPS) {
    out.push(`<group${attrs({ name: g.group })}>\n`);
    for (const s of g.sub) {
      out.push(`<group${attrs({ name: s.group })}>`);
      for (const os of s.os) for (const name of osNames(os, t, scale)) out.push(`<os${attrs({ name })}/>`);
      out.push('</group>\n');
    }
    out.push('</group>\n');
  }
  out.push('</osGroups>\n');
  return out;
}

/** osgroups.xml: the flat legacy list of the same OS names. */
export function legacyOsXml(version: string, scale: number): string[] {
  const t = majorOf(version);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>\n<osGroups xmlns="urn:posture-stage:os:1" version="${version}" legacy="true">\n`];
  for (const g of OS_GROUPS)
    for (const s of g.sub) for (const os of s.os) for (const name of osNames(os, t, scale)) out.push(`<os${attrs({ name })}/>\n`);
  out.push('</osGroups>\n');
  return out;
}
