/**
 * The Library screen stays true to the disk (issue 12 §5): a watch on the library folder (fs.watch, debounced)
 * moves a change counter whenever another process changes it — `posture-stage library add` in a terminal,
 * another window, a copy that changed in place — so the screen reloads without the admin asking. It also
 * finds damaged copies without waiting for their next use: a copy written to in place while the app watched (the
 * library itself only renames finished copies into place), or whose size differs from its record, or whose
 * modification time is later than when it entered the library, is hashed again (once per size and time seen).
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CoreError } from '../errors.js';
import type { LibraryEntry } from '../library/index.js';

/** How long the folder must be quiet before a change counts (a `library add` is several writes and renames). */
const DEBOUNCE_MS = 200;
/** A copy written this long after its record's time was changed afterwards (the library writes the copy first). */
const SLACK_MS = 2000;

export class LibraryWatch {
  #version = 0;
  #dir: string | null = null;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** verdicts by `sha256:size:mtime`: the SHA-256 the copy had then, or "missing" */
  readonly #checked = new Map<string, string>();
  /** copies written to in place since the watch began (by SHA-256) */
  readonly #written = new Set<string>();

  /** The counter for library folder `dir` (the watch follows a library moved in Settings). */
  version(dir: string): number {
    if (dir !== this.#dir) this.#watch(dir);
    return this.#version;
  }

  /**
   * The SHA-256 each suspect copy has now, for the copies that no longer match (absent: intact as far as seen).
   * `verify` hashes one copy (the library's own verify), throwing LIBRARY_DAMAGED with `details.actual`.
   */
  async damaged(entries: LibraryEntry[], verify: (e: LibraryEntry) => Promise<void>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const e of entries) {
      const st = await stat(e.path).catch(() => null);
      if (!st) {
        out.set(e.sha256, 'missing');
        continue;
      }
      if (st.size === e.size && !this.#written.has(e.sha256) && st.mtimeMs <= Date.parse(e.addedAt) + SLACK_MS) continue;
      const key = `${e.sha256}:${st.size}:${st.mtimeMs}`;
      let actual = this.#checked.get(key);
      if (actual === undefined) {
        try {
          await verify(e);
          actual = e.sha256;
        } catch (err) {
          if (!CoreError.is(err, 'LIBRARY_DAMAGED')) throw err;
          actual = String(err.details.actual ?? 'unknown');
        }
        this.#checked.set(key, actual);
      }
      if (actual !== e.sha256) out.set(e.sha256, actual);
    }
    return out;
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #changed(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#version++;
    }, DEBOUNCE_MS);
    this.#timer.unref();
  }

  /** Watches `dir`; while it does not exist yet, its parent, for it to appear. */
  #watch(dir: string): void {
    this.close();
    this.#dir = dir;
    try {
      this.#watcher = watch(dir, { persistent: false }, (event, name) => {
        const copy = event === 'change' && name ? /^([0-9a-f]{64})\.zip$/.exec(String(name)) : null;
        if (copy?.[1]) this.#written.add(copy[1]);
        this.#changed();
      });
    } catch {
      try {
        this.#watcher = watch(dirname(dir), { persistent: false }, (_event, name) => {
          if (name !== basename(dir)) return;
          this.#changed();
          this.#watch(dir);
        });
      } catch {
        // neither exists yet: the next call tries again
        this.#dir = null;
      }
    }
    // a watcher that fails later (folder removed) is dropped; the next call watches again
    this.#watcher?.on('error', () => {
      this.close();
      this.#dir = null;
      this.#changed();
    });
  }
}
