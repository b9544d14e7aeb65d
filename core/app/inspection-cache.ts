/**
 * Checked bundles by SHA-256, so Inspect, Preview and Push do not re-read a large zip for every call.
 * Library bundles are content-addressed and immutable, so an entry never goes stale. What is kept is
 * results only — the inspection and the content model (a CheckedBundle holds no bytes and no open file):
 * a cached 1 GB bundle costs what its inspection costs, not a gigabyte.
 */
import { checkBundle, type CheckedBundle } from '../bundle/index.js';

export class InspectionCache {
  readonly #byHash = new Map<string, Promise<CheckedBundle>>();
  readonly #max: number;

  constructor(max = 4) {
    this.#max = max;
  }

  /** The full check of `path` (whose content hash is `sha256`); failures are not cached. */
  get(sha256: string, path: string, fileName: string): Promise<CheckedBundle> {
    const hit = this.#byHash.get(sha256);
    if (hit) return hit;
    // checkBundle closes the file it opened; only its results stay
    const p = checkBundle(path, { fileName }).then(({ bundle, inspection, contents }) => ({ bundle, inspection, contents }));
    p.catch(() => this.#byHash.delete(sha256));
    this.#byHash.set(sha256, p);
    while (this.#byHash.size > this.#max) this.#byHash.delete(this.#byHash.keys().next().value as string);
    return p;
  }
}
