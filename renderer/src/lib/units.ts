/**
 * The app's size and time formats are the CLI's (core/format.ts formatBytes/formatTime): the renderer may not
 * import core values, so the two functions are repeated here and build/format.test.ts holds them equal.
 */

/** 512 → "512 B", 1536 → "1.5 KB", 104857600 → "100.0 MB", 1610612736 → "1.50 GB". */
export function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n < 1024 ** 4) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  return `${(n / 1024 ** 4).toFixed(2)} TB`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** An ISO time as local time "2025-11-29 14:03"; "—" for none; text that is no time stays as it is. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
