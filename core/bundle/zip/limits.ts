/**
 * The limits of bundle-format.md "Default limits" (10,000 entries, 1 GiB per entry, 4 GiB in total, 200:1
 * per entry once it passes 1 MiB). Checked twice: up front on what the headers declare (refuse early, never
 * allocate for a hopeless zip), and while inflating through the cap each read gets (never trusting headers).
 */
import type { Limits } from '../types.js';
import type { CentralEntry } from './central.js';
import type { Cap } from './inflate.js';
import { overLimit } from './fail.js';

/** Refuses an entry count over the limit before the central directory is walked. */
export function checkEntryCount(count: number, limits: Limits): void {
  if (count > limits.maxEntries) {
    throw overLimit(`${count} entries (limit ${limits.maxEntries})`, { limit: 'maxEntries', max: limits.maxEntries, actual: count });
  }
}

/** The ratio rule allows max(threshold, ratio × compressed) bytes of output. */
function ratioAllowance(compressedSize: number, limits: Limits): number {
  return Math.max(limits.ratioThreshold, limits.maxRatio * compressedSize);
}

/** Refuses entries whose headers already declare sizes over the limits. */
export function checkDeclared(entries: CentralEntry[], limits: Limits): void {
  let total = 0;
  for (const e of entries) {
    const size = e.uncompressedSize;
    if (size > limits.maxEntrySize) {
      throw overLimit(`${JSON.stringify(e.name)} declares ${size} bytes (limit ${limits.maxEntrySize} per entry)`, {
        entry: e.name,
        limit: 'maxEntrySize',
        max: limits.maxEntrySize,
        declared: size,
      });
    }
    if (size > ratioAllowance(e.compressedSize, limits)) {
      throw overLimit(
        `${JSON.stringify(e.name)} declares a ${ratioText(size, e.compressedSize)} compression ratio (limit ${limits.maxRatio}:1 once an entry passes ${limits.ratioThreshold} bytes)`,
        {
          entry: e.name,
          limit: 'maxRatio',
          max: limits.maxRatio,
          threshold: limits.ratioThreshold,
          declared: size,
          compressedSize: e.compressedSize,
        },
      );
    }
    total += size;
    if (total > limits.maxTotalSize) {
      throw overLimit(`the entries declare more than ${limits.maxTotalSize} bytes in total (reached at ${JSON.stringify(e.name)})`, {
        entry: e.name,
        limit: 'maxTotalSize',
        max: limits.maxTotalSize,
        declared: total,
      });
    }
  }
}

/** The most output one read may produce, given what earlier reads already inflated. */
export function capFor(e: CentralEntry, limits: Limits, usedTotal: number): Cap {
  const candidates: Cap[] = [
    { bytes: limits.maxEntrySize, limit: 'maxEntrySize', details: { max: limits.maxEntrySize } },
    { bytes: limits.maxTotalSize - usedTotal, limit: 'maxTotalSize', details: { max: limits.maxTotalSize, alreadyInflated: usedTotal } },
    {
      bytes: ratioAllowance(e.compressedSize, limits),
      limit: 'maxRatio',
      details: { max: limits.maxRatio, threshold: limits.ratioThreshold, compressedSize: e.compressedSize },
    },
  ];
  return candidates.reduce((a, b) => (b.bytes < a.bytes ? b : a));
}

function ratioText(size: number, compressed: number): string {
  return compressed === 0 ? '∞:1' : `${Math.round(size / compressed)}:1`;
}
