/** Small text helpers for human CLI output: aligned columns, sizes, counts. */
import { formatBytes } from '../../format.js';

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(rows: string[][], indent = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length))).join('  '))
    .join('\n');
}

/** 1536 → "1.5 KB", 104857600 → "100.0 MB": the one size format of the CLI and the app (core/format.ts). */
export const bytes = formatBytes;

/** 12345 → "12,345". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "3 products", "1 product". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : many}`;
}
