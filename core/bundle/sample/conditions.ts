/**
 * Writes `posture-conditions.xml` (bundle-format.md "Payloads"): checks, conditions, remediations,
 * requirements and policies, with ISE's default (created-once) requirements, remediations and policies.
 * `scale` multiplies the checks (patch checks with KB numbers, file checks with SHA-256 hashes of known
 * builds, registry and service checks) and the conditions/requirements built on them.
 *
 * The payload is a function of (conditions version, scale) — see ./timeline.ts. Item i of each list is
 * always the same item (same id, KB number, hashes); a newer version lists more of them (newer KBs), and
 * a few old patch groups are retired once superseded. The defaults never change (ISE creates them once).
 */
import { prngFor, unitFor } from './prng.js';
import { attrs } from './xmltext.js';
import { countAt, majorOf } from './timeline.js';
import { LINUX_PATHS, MAC_PATHS, REGISTRY_KEYS, SERVICES, WIN_PATHS } from './names.js';

/** ISE's default conditions/remediations/requirements/policies (default="true" ones are created once). */
const DEFAULTS = {
  conditions: [
    ['ANY_am_win_inst', 'antimalware', 'Windows All', 'installation'],
    ['ANY_am_win_def', 'antimalware', 'Windows All', 'definition'],
    ['ANY_am_mac_inst', 'antimalware', 'Mac OSX', 'installation'],
    ['ANY_am_mac_def', 'antimalware', 'Mac OSX', 'definition'],
    ['Default_AppVis_Condition_Win', 'application', 'Windows All', 'visibility'],
    ['Default_AppVis_Condition_Mac', 'application', 'Mac OSX', 'visibility'],
    ['Default_Firewall_Condition_Win', 'firewall', 'Windows All', 'enabled'],
    ['Default_Firewall_Condition_Mac', 'firewall', 'Mac OSX', 'enabled'],
    ['USB_Check', 'usb', 'Windows All', 'mass-storage'],
  ],
  remediations: [
    ['AnyAMDefRemediationWin', 'antimalware-definition', 'Windows All'],
    ['AnyAMDefRemediationMac', 'antimalware-definition', 'Mac OSX'],
    ['Default_Firewall_Remediation_Win', 'firewall', 'Windows All'],
    ['Default_Firewall_Remediation_Mac', 'firewall', 'Mac OSX'],
    ['USB_Block', 'usb-block', 'Windows All'],
  ],
  requirements: [
    ['Any_AM_Installation_Win', 'Windows All', 'ANY_am_win_inst', 'AnyAMDefRemediationWin'],
    ['Any_AM_Installation_Mac', 'Mac OSX', 'ANY_am_mac_inst', 'AnyAMDefRemediationMac'],
    ['Default_AppVis_Requirement_Win', 'Windows All', 'Default_AppVis_Condition_Win', ''],
    ['Default_AppVis_Requirement_Mac', 'Mac OSX', 'Default_AppVis_Condition_Mac', ''],
    ['Default_Firewall_Requirement_Win', 'Windows All', 'Default_Firewall_Condition_Win', 'Default_Firewall_Remediation_Win'],
    ['Default_Firewall_Requirement_Mac', 'Mac OSX', 'Default_Firewall_Condition_Mac', 'Default_Firewall_Remediation_Mac'],
    ['USB_Block', 'Windows All', 'USB_Check', 'USB_Block'],
  ],
  policies: [
    ['Default_AntiMalware_Policy_Win', 'Any_AM_Installation_Win', 'Windows All'],
    ['Default_AntiMalware_Policy_Mac', 'Any_AM_Installation_Mac', 'Mac OSX'],
    ['Default_AppVis_Policy_Win', 'Default_AppVis_Requirement_Win', 'Windows All'],
    ['Default_AppVis_Policy_Mac', 'Default_AppVis_Requirement_Mac', 'Mac OSX'],
    ['Default_Firewall_Policy_Win', 'Default_Firewall_Requirement_Win', 'Windows All'],
    ['Default_Firewall_Policy_Mac', 'Default_Firewall_Requirement_Mac', 'Mac OSX'],
    ['Default_USB_Block_Policy_Win', 'USB_Block', 'Windows All'],
  ],
} as const;

const WIN_OS = ['Windows 10 (All)', 'Windows 11 (All)', 'Windows Server (All)'];
/** Per scale unit at the reference version: how many of each kind of check (sized so --scale 1 ≈ 1 MB of zip in total). */
const PER_SCALE = { patch: 300, file: 350, registry: 120, service: 40, hashesPerFile: 16 };
/** Patch checks per compound condition, compound conditions per requirement, requirements per policy. */
const GROUP = 4;
const REQS = 10;
const POLICIES = 5;
/** Share of patch groups retired (superseded by a later cumulative update) once a quarter of the reference count is newer. */
const RETIRE_SHARE = 0.1;
const RETIRE_AGE = 0.25;

const pad = (i: number) => String(i + 1).padStart(4, '0');

/** Writes posture-conditions.xml as string chunks, generated as they are taken (the sample streams them). */
export function* conditionsXml(version: string, scale: number): Generator<string> {
  const t = majorOf(version);
  const atRef = (k: number) => Math.max(1, Math.round(k * scale));
  const n = (k: number) => countAt(atRef(k), 'conditions', t);
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<postureConditions xmlns="urn:posture-stage:conditions:1" version="${version}">\n<checks>\n`;

  const patches = n(PER_SCALE.patch);
  const age = Math.max(GROUP, Math.round(RETIRE_AGE * atRef(PER_SCALE.patch)));
  const retired = (g: number) => patches - (g + 1) * GROUP >= age && unitFor(`patch-group|${g}|retire`) < RETIRE_SHARE;
  /** patch check ids per group; null for a retired group */
  const groupChecks: Array<string[] | null> = [];
  let kb = 5_010_000;
  for (let i = 0; i < patches; i++) {
    const g = Math.floor(i / GROUP);
    if (i % GROUP === 0) groupChecks.push(retired(g) ? null : []);
    const rnd = prngFor(`patch|${i}`);
    kb += 1 + rnd.int(40); // later checks, later KBs
    const os = rnd.pick(WIN_OS);
    const severity = rnd.pick(['Critical', 'Important', 'Moderate']);
    const ids = groupChecks[g];
    if (!ids) continue;
    const id = `pc_${os.replace(/\W+/g, '').replace('All', '')}_KB${kb}`;
    ids.push(id);
    yield `<check${attrs({ id, type: 'patch', os, kb: `KB${kb}`, severity })}/>\n`;
  }
  for (let i = 0; i < n(PER_SCALE.file); i++) {
    const rnd = prngFor(`file|${i}`);
    const os = rnd.int(10) < 7 ? 'Windows All' : rnd.int(2) ? 'Mac OSX' : 'Linux All';
    const path = os === 'Windows All' ? rnd.pick(WIN_PATHS) : os === 'Mac OSX' ? rnd.pick(MAC_PATHS) : rnd.pick(LINUX_PATHS);
    const hashes: string[] = [];
    for (let h = 0; h < PER_SCALE.hashesPerFile; h++) hashes.push(rnd.sha256());
    // the SHA-256 of every known-good build of the file, one list (the check passes if any matches)
    yield `<check${attrs({ id: `fc_${i.toString(36).padStart(5, '0')}`, type: 'file', os, path, operator: 'hash-any' })}><sha256>${hashes.join(' ')}</sha256></check>\n`;
  }
  for (let i = 0; i < n(PER_SCALE.registry); i++) {
    const rnd = prngFor(`registry|${i}`);
    yield `<check${attrs({ id: `rc_${i}`, type: 'registry', os: 'Windows All', key: rnd.pick(REGISTRY_KEYS), value: rnd.pick(['Enabled', 'DisableRealtimeMonitoring', 'AUOptions', 'Start']), operator: 'equals', data: String(rnd.int(5)) })}/>\n`;
  }
  for (let i = 0; i < n(PER_SCALE.service); i++) {
    const svc = prngFor(`service|${i}`).pick(SERVICES);
    yield `<check${attrs({ id: `sc_${svc}_${i}`, type: 'service', os: svc === 'sshd' || svc === 'firewalld' || svc === 'clamav-daemon' ? 'Linux All' : 'Windows All', service: svc, state: 'running' })}/>\n`;
  }

  yield '</checks>\n<conditions>\n';
  for (const [name, type, os, check] of DEFAULTS.conditions) yield `<condition${attrs({ name, type, os, operator: 'any', check })}/>\n`;
  // compound conditions keep the name of their group's first check, so a grown group is the same condition
  const compound = groupChecks.map((ids) => (ids && ids[0] ? `pr_${ids[0].slice(3)}` : null));
  for (const [g, ids] of groupChecks.entries()) {
    const name = compound[g];
    if (ids && name) yield `<condition${attrs({ name, type: 'compound', os: 'Windows All', operator: 'all', check: ids.join(',') })}/>\n`;
  }
  yield '</conditions>\n<remediations>\n';
  for (const [name, type, os] of DEFAULTS.remediations) yield `<remediation${attrs({ name, type, os, default: 'true' })}/>\n`;
  yield `<remediation${attrs({ name: 'WSUS_Remediation', type: 'windows-update', os: 'Windows All' })}/>\n`;
  yield '</remediations>\n<requirements>\n';
  for (const [name, os, conditions, remediation] of DEFAULTS.requirements)
    yield `<requirement${attrs({ name, os, conditions, remediation: remediation || undefined, default: 'true' })}/>\n`;
  /** requirement names by index; null when every condition of it was retired */
  const reqs: Array<string | null> = [];
  for (let r = 0; r * REQS < compound.length; r++) {
    const conditions = compound.slice(r * REQS, (r + 1) * REQS).filter((c): c is string => c !== null);
    const name = conditions.length > 0 ? `Patch_Requirement_${pad(r)}` : null;
    reqs.push(name);
    if (name)
      yield `<requirement${attrs({ name, os: 'Windows All', conditions: conditions.join(','), remediation: 'WSUS_Remediation' })}/>\n`;
  }
  yield '</requirements>\n<policies>\n';
  for (const [name, requirement, os] of DEFAULTS.policies) yield `<policy${attrs({ name, requirement, os, default: 'true' })}/>\n`;
  for (let q = 0; q * POLICIES < reqs.length; q++) {
    const requirement = reqs.slice(q * POLICIES, (q + 1) * POLICIES).filter((r): r is string => r !== null);
    if (requirement.length > 0)
      yield `<policy${attrs({ name: `Patch_Policy_${pad(q)}`, requirement: requirement.join(','), os: 'Windows All' })}/>\n`;
  }
  yield '</policies>\n</postureConditions>\n';
}
