/**
 * One way of writing sizes and times for people (issue 12 §6): the CLI's human output uses these, and the app's
 * renderer has the same two functions (renderer/src/lib/units.ts — it may not import core values), held equal
 * by build/format.test.ts. `--json` keeps exact numbers and ISO times.
 */

/** 512 → "512 B", 1536 → "1.5 KB", 104857600 → "100.0 MB", 1610612736 → "1.50 GB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n < 1024 ** 4) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  return `${(n / 1024 ** 4).toFixed(2)} TB`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** An ISO time as this computer's local time, "2025-11-29 14:03" (sortable, the same in every locale); text that is no time stays as it is. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
