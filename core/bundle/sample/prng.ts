/**
 * A seeded PRNG for the sample writer: same seed ⇒ same bundle bytes (interfaces.md `sample`).
 * mulberry32 — tiny, fast and good enough for realistic-looking names and hashes (not for security).
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uint32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** 64 lowercase hex digits, shaped like a SHA-256 file hash. */
  sha256(): string {
    let s = '';
    for (let i = 0; i < 8; i++) s += this.next().toString(16).padStart(8, '0');
    return s;
  }

  /** An ISO date (YYYY-MM-DD) within `days` days before `base`. */
  dateBefore(base: Date, days: number): string {
    return new Date(base.getTime() - this.int(days) * 86_400_000).toISOString().slice(0, 10);
  }
}

/** FNV-1a over a key: a stable 32-bit number for a named piece of sample content. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A PRNG for one named piece of content (same key ⇒ same draws, whatever else the bundle holds). */
export function prngFor(key: string): Prng {
  return new Prng(hashKey(key));
}

/** A number in [0, 1) fixed for a key. */
export function unitFor(key: string): number {
  return prngFor(key).next() / 2 ** 32;
}
