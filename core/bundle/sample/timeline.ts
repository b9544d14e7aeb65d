/**
 * How sample content moves with the component versions (bundle-format.md "What is public": ISE's
 * five versions, e.g. windows chart 263.0.0.0 → 297.0.0.0). Every payload is a function of
 * (its component's version, scale) only, so a newer version reads like a real later release:
 * content grows a little with the version's first field, measured from the reference versions
 * below (where `--scale` is calibrated: scale 100 ≈ 100 MB), signatures move forward
 * with the chart's release date, and items are never renamed, only added or (a few) retired.
 */
import type { Versions } from '../types.js';

/** The "new" versions of bundle-format.md's public example: the calibration point of the sample. */
export const SAMPLE_VERSIONS: Versions = {
  conditions: '300418.0.0.0',
  avasWindows: '297.0.0.0',
  avasMac: '214.0.0.0',
  avasLinux: '66.0.0.0',
  supportedOs: '101.6.3.0',
};

/**
 * Only the first field moves content (ISE's own versions move it release by release); the other
 * fields are kept in the payload's version attribute but do not change its content.
 */
export function majorOf(version: string): number {
  return Number(version.split('.')[0] ?? 0);
}

/** The reference (calibration) major of a component. */
export function refMajor(key: keyof Versions): number {
  return majorOf(SAMPLE_VERSIONS[key]);
}

/**
 * How much a list grows per unit of the first version field, as a share of its reference length:
 * about 7% between the public example's old and new versions (e.g. chart 263 → 297, conditions
 * 280052 → 300418, OS 84 → 101), as real content grows a little from release to release.
 */
const GROWTH: Record<keyof Versions, number> = {
  conditions: 0.07 / 20_366,
  avasWindows: 0.002,
  avasMac: 0.002,
  avasLinux: 0.002,
  supportedOs: 0.004,
};

/** Content stops growing at 3× the reference, so a far-future version (any digits are valid) cannot blow up the sample. */
const MAX_GROWTH = 3;

/**
 * How many of a list's items exist at major `t`, where `nAtRef` exist at the reference version of
 * `key`; `offset` in [0, 1) staggers when the items of different lists appear. Never below 1, and
 * non-decreasing in `t`, so a newer version never lists fewer items (before retirements).
 */
export function countAt(nAtRef: number, key: keyof Versions, t: number, offset = 0): number {
  const growth = Math.min(MAX_GROWTH, 1 + GROWTH[key] * (t - refMajor(key)));
  return Math.max(1, Math.floor(nAtRef * growth + offset + 1e-9));
}

const DAY = 86_400_000;
/** A chart version is released about weekly; the reference charts on the day before the sample's `updated`. */
const CHART_REF_DAY = Math.floor(Date.UTC(2025, 2, 12) / DAY);
const DAYS_PER_CHART = 7;
const MIN_DAY = Math.floor(Date.UTC(1980, 0, 1) / DAY);
const MAX_DAY = Math.floor(Date.UTC(2099, 11, 31) / DAY);

/** Keeps a day within 1980–2099, which every zip/tar date field and Date can hold (non-decreasing, like its input). */
export function clampDay(day: number): number {
  return Math.min(MAX_DAY, Math.max(MIN_DAY, day));
}

/** The release day (days since 1970-01-01) of AV/AS chart major `t` whose reference is `ref`. */
export function chartDay(t: number, ref: number): number {
  return CHART_REF_DAY - (ref - t) * DAYS_PER_CHART;
}

/** Days since 1970 → YYYY-MM-DD. */
export function isoDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/**
 * The build date of a component's payload at major `t` (about a week per version, the reference on
 * 2025-03-12), kept within 1980–2099 so every tar/zip date field can hold it. Used for the mtime of
 * the OS-groups tar members, so that the same version gives the same .tar.gz bytes whatever `--updated` says.
 */
export function releaseDate(t: number, ref: number): Date {
  return new Date(clampDay(chartDay(t, ref)) * DAY);
}
