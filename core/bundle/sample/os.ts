/**
 * Writes the OS-groups payloads (bundle-format.md "Payloads"): `os-groups.xml` (the tree, inside
 * osgroupsV2.tar.gz) and the flat legacy `osgroups.xml` (inside osgroups.tar.gz). `scale` adds
 * builds/updates of each OS as further entries.
 */
import { attrs } from './xmltext.js';
import { OS_BUILDS, OS_GROUPS } from './names.js';

function osNames(base: string, scale: number): string[] {
  const names = [base];
  const extra = Math.round(scale * 2);
  for (let i = 0; i < extra; i++) names.push(`${base} ${OS_BUILDS[i % OS_BUILDS.length]}${i >= OS_BUILDS.length ? ` (rev ${Math.floor(i / OS_BUILDS.length)})` : ''}`);
  return names;
}

/** os-groups.xml: groups → subgroups → os. */
export function osGroupsXml(version: string, scale: number): string[] {
  const out = [`<?xml version="1.0" encoding="UTF-8"?>\n<osGroups xmlns="urn:posture-stage:os:1" version="${version}">\n`];
  for (const g of OS_GROUPS) {
    out.push(`<group${attrs({ name: g.group })}>\n`);
    for (const s of g.sub) {
      out.push(`<group${attrs({ name: s.group })}>`);
      for (const os of s.os) for (const name of osNames(os, scale)) out.push(`<os${attrs({ name })}/>`);
      out.push('</group>\n');
    }
    out.push('</group>\n');
  }
  out.push('</osGroups>\n');
  return out;
}

/** osgroups.xml: the flat legacy list of the same OS names. */
export function legacyOsXml(version: string, scale: number): string[] {
  const out = [`<?xml version="1.0" encoding="UTF-8"?>\n<osGroups xmlns="urn:posture-stage:os:1" version="${version}" legacy="true">\n`];
  for (const g of OS_GROUPS) for (const s of g.sub) for (const os of s.os) for (const name of osNames(os, scale)) out.push(`<os${attrs({ name })}/>\n`);
  out.push('</osGroups>\n');
  return out;
}
