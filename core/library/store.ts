/**
 * The workstation's bundle library: content-addressed by SHA-256 under `$POSTURE_STAGE_HOME`
 * (default: the OS's per-user data folder via env-paths). Each bundle is `bundles/<sha256>.zip` with
 * `bundles/<sha256>.json` beside it, and `bundles/<sha256>.custody.json` when it was imported with a signed
 * transfer manifest (the custody document `push` sends to nodes with trusted signers). Writes are atomic (temp file in the same folder, then rename), and
 * nothing enters the library before the bundle core's full check passed. Nothing leaves it (get, export)
 * before its copy was hashed again (integrity.ts).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import envPaths from 'env-paths';
import { checkBundle } from '../bundle/index.js';
import { CoreError, toCoreError } from '../errors.js';
import { fileError, isPermissionError, permissionDenied } from '../file-errors.js';
import { hashFile } from '../hash.js';
import { parseJson } from '../json.js';
import { fsyncDir, writeFileAtomic } from '../durable.js';
import { verifyCopy, type HashProgress } from './integrity.js';
import { entrySchema, type BundleSource, type LibraryEntry } from './entry.js';
import { parseCustodyDocument, type CustodyDocument } from '../custody/document.js';

/** The custody document kept beside a bundle. */
const custodyName = (sha256: string) => `${sha256}.custody.json`;

/** STORE_CORRUPT for a metadata file that is not what `add` wrote. */
function damagedRecord(file: string, problem: string): CoreError {
  return new CoreError(
    'STORE_CORRUPT',
    `The library record ${file} cannot be read (${problem}). Move it aside and add the bundle again (\`posture-stage library add FILE\`).`,
    { file, problem },
  );
}

/** `$POSTURE_STAGE_HOME`, else the per-user data folder (the desktop app uses the same one). */
export function defaultHome(): string {
  return process.env.POSTURE_STAGE_HOME || envPaths('posture-stage', { suffix: '' }).data;
}

export class Library {
  readonly home: string;
  readonly dir: string;

  constructor(home: string) {
    this.home = home;
    this.dir = join(home, 'bundles');
  }

  /** Folder for `.part` downloads (outside the library proper). */
  get downloadsDir(): string {
    return join(this.home, 'downloads');
  }

  /**
   * Every stored bundle, newest first. With `verify`, each copy is hashed again and marked `verified`
   * (false: damaged, with the `actualSha256` found); `onProgress` counts bytes over all of them.
   */
  async list(opts: { verify?: boolean; onProgress?: HashProgress } = {}): Promise<LibraryEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fileError(e, this.dir, 'The library folder', () => toCoreError(e), 'list');
    }
    const entries: LibraryEntry[] = [];
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      const file = join(this.dir, name);
      const path = join(this.dir, name.replace(/\.json$/, '.zip'));
      // a metadata file without its bundle is not an entry (a removal cut short, or one in progress)
      const text = await stat(path).then(
        () =>
          readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
            if (e.code === 'ENOENT') return null;
            throw fileError(e, file, 'The library record', () => toCoreError(e));
          }),
        (e: NodeJS.ErrnoException) => {
          if (isPermissionError(e)) throw permissionDenied(path, 'The library copy', 'read', e);
          return null;
        },
      );
      if (text === null) continue;
      const parsed = parseJson(text, entrySchema);
      if (!parsed.ok) throw damagedRecord(file, parsed.problem);
      if (`${parsed.data.sha256}.json` !== name) throw damagedRecord(file, `it names the bundle ${parsed.data.sha256}`);
      entries.push({ ...parsed.data, path });
    }
    entries.sort((a, b) => b.addedAt.localeCompare(a.addedAt));
    if (!opts.verify) return entries;
    const total = entries.reduce((n, e) => n + e.size, 0);
    let before = 0;
    const checked: LibraryEntry[] = [];
    for (const entry of entries) {
      const progress: HashProgress | undefined = opts.onProgress && ((done) => opts.onProgress?.(before + done, total));
      try {
        await verifyCopy(entry, progress);
        checked.push({ ...entry, verified: true });
      } catch (e) {
        if (!CoreError.is(e, 'LIBRARY_DAMAGED')) throw e;
        checked.push({ ...entry, verified: false, actualSha256: String(e.details.actual) });
      }
      before += entry.size;
    }
    return checked;
  }

  /** One entry by full SHA-256 or a unique prefix (≥ 8 hex digits), as recorded — not re-hashed; NOT_FOUND otherwise. */
  async lookup(sha: string): Promise<LibraryEntry> {
    const want = sha.toLowerCase();
    const matches = (await this.list()).filter((e) => (want.length >= 8 ? e.sha256.startsWith(want) : e.sha256 === want));
    if (matches.length !== 1 || !matches[0]) {
      throw new CoreError(
        'NOT_FOUND',
        matches.length > 1
          ? `${sha} matches several bundles; give more of the SHA-256.`
          : `No bundle ${sha} in the library at ${this.dir}. Run \`posture-stage library list\`.`,
        { sha256: sha, library: this.dir },
      );
    }
    return matches[0];
  }

  /**
   * One entry, ready to use: its copy is hashed again first (issue 8 §4), LIBRARY_DAMAGED when it no longer
   * matches. Every use goes through here (inspect, export, push, the app); `verify: false` only for
   * bookkeeping that reads no bundle bytes.
   */
  async get(sha: string, opts: { verify?: boolean; onProgress?: HashProgress } = {}): Promise<LibraryEntry> {
    const entry = await this.lookup(sha);
    if (opts.verify !== false) await verifyCopy(entry, opts.onProgress);
    return entry;
  }

  /** Hashes an entry's copy again; LIBRARY_DAMAGED when it changed. */
  async verify(entry: LibraryEntry, onProgress?: HashProgress): Promise<void> {
    await verifyCopy(entry, onProgress);
  }

  /** The SHA-256 a path is stored under when it is a copy inside this library (`bundles/<sha256>.zip`), else undefined. */
  async storedShaOf(file: string): Promise<string | undefined> {
    const m = /^([0-9a-f]{64})\.zip$/.exec(basename(file));
    if (!m?.[1]) return undefined;
    try {
      return (await realpath(dirname(file))) === (await realpath(this.dir)) ? m[1] : undefined;
    } catch {
      return undefined;
    }
  }

  /** Removes a bundle and its metadata (damaged or not); NOT_FOUND when absent. Returns what was removed. */
  async remove(sha: string): Promise<LibraryEntry> {
    const entry = await this.lookup(sha);
    // metadata first: from then on the entry is gone, even if removing the bundle is cut short
    await rm(join(this.dir, `${entry.sha256}.json`), { force: true });
    await rm(entry.path, { force: true });
    await rm(join(this.dir, custodyName(entry.sha256)), { force: true });
    await fsyncDir(this.dir);
    return entry;
  }

  /**
   * The custody document kept with an entry (parsed: the file is read through the custody schema), or null when
   * the bundle came without a signed transfer manifest.
   */
  async custodyDocument(entry: Pick<LibraryEntry, 'sha256' | 'custody'>): Promise<CustodyDocument | null> {
    if (!entry.custody) return null;
    const file = join(this.dir, custodyName(entry.sha256));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return null;
    }
    let json: unknown = null;
    try {
      json = text.length > 1024 * 1024 ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    return parseCustodyDocument(json);
  }

  /**
   * Adds a bundle after the bundle core's full check (unknown layout allowed; container faults refused).
   * `expectedSha256` guards a copy that must match a manifest or feed value; `custody` (an import's signed
   * transfer manifest) is kept with it. A bundle added again without custody keeps the custody it had.
   */
  async add(
    file: string,
    source: BundleSource,
    opts: {
      expectedSha256?: string;
      name?: string;
      move?: boolean;
      custody?: { document: CustodyDocument; signer: string; signedAt: string };
      /** cancels the add up to the moment the checked bundle would enter the library (CANCELLED, nothing added) */
      signal?: AbortSignal;
    } = {},
  ): Promise<LibraryEntry> {
    try {
      await stat(file);
    } catch (e) {
      throw fileError(e, file, 'The file', () => new CoreError('NOT_FOUND', `The file ${file} does not exist.`, { file }));
    }
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.incoming-${randomBytes(6).toString('hex')}.zip`);
    try {
      if (opts.move) await rename(file, tmp).catch(() => copyFile(file, tmp));
      else await copyFile(file, tmp);
      const { sha256, size } = await hashFile(tmp);
      if (opts.expectedSha256 && opts.expectedSha256.toLowerCase() !== sha256) {
        throw new CoreError(
          'CHECKSUM_MISMATCH',
          `The bundle's SHA-256 is ${sha256}, not the expected ${opts.expectedSha256}. It was not added.`,
          { expected: opts.expectedSha256, actual: sha256 },
        );
      }
      const checked = await checkBundle(tmp, { fileName: opts.name ?? basename(file) });
      const insp = checked.inspection;
      const entry: LibraryEntry = {
        sha256,
        size,
        name: opts.name ?? basename(file),
        path: join(this.dir, `${sha256}.zip`),
        addedAt: new Date().toISOString(),
        source,
        inspection: {
          layout: insp.layout,
          updated: insp.updated,
          versions: insp.versions,
          warnings: insp.warnings.map((w) => w.code),
          checksPassed: insp.checks.filter((c) => c.status === 'passed').map((c) => c.id),
        },
      };
      if (opts.signal?.aborted)
        throw new CoreError('CANCELLED', 'Cancelled by the user: the bundle was checked but not added to the library.');
      // what the library already knows of this bundle (its name, its custody), read before anything is replaced
      const previous = await readFile(join(this.dir, `${sha256}.json`), 'utf8').then(
        (t) => {
          const parsed = parseJson(t, entrySchema);
          return parsed.ok ? parsed.data : undefined;
        },
        () => undefined,
      );
      await rename(tmp, entry.path);
      const custodyFile = join(this.dir, custodyName(sha256));
      if (opts.custody) {
        await writeFileAtomic(custodyFile, JSON.stringify(opts.custody.document) + '\n');
        entry.custody = { file: custodyName(sha256), signer: opts.custody.signer, signedAt: opts.custody.signedAt };
      } else if (previous?.custody) {
        // the custody it was imported with stays, as long as its document is still beside it
        const kept = await stat(custodyFile).then(
          () => true,
          () => false,
        );
        if (kept) entry.custody = previous.custody;
      }
      // a bundle already in the library keeps the name it is known by: adding it again never renames it silently
      if (previous?.name) entry.name = previous.name;
      await writeFileAtomic(join(this.dir, `${sha256}.json`), JSON.stringify(entry, null, 2) + '\n');
      return entry;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
