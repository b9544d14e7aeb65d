/**
 * The workstation's bundle library: content-addressed by SHA-256 under `$POSTURE_STAGE_HOME`
 * (default: the OS's per-user data folder via env-paths). Each bundle is `bundles/<sha256>.zip` with
 * `bundles/<sha256>.json` beside it. Writes are atomic (temp file in the same folder, then rename), and
 * nothing enters the library before the bundle core's full check passed.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import envPaths from 'env-paths';
import { checkBundle, type Inspection } from '../bundle/index.js';
import { CoreError } from '../errors.js';
import { hashFile } from '../hash.js';
import { writeFileAtomic } from '../durable.js';

/** Where a bundle came from (interfaces.md: source URL, TLS fingerprint seen at download). */
export interface BundleSource {
  kind: 'url' | 'file' | 'import';
  url?: string;
  path?: string;
  tlsFingerprint?: string;
  fetchedAt?: string;
  /** for imports: who signed the transfer manifest */
  signer?: string;
}

/** What the library keeps next to each bundle. */
export interface LibraryEntry {
  sha256: string;
  size: number;
  /** the file name it had (e.g. posture-offline.zip) */
  name: string;
  /** absolute path of the stored bundle */
  path: string;
  addedAt: string;
  source: BundleSource;
  inspection: {
    layout: Inspection['layout'];
    updated: string | null;
    versions: Inspection['versions'];
    warnings: string[];
    checksPassed: string[];
  };
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

  /** Every stored bundle, newest first. */
  async list(): Promise<LibraryEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const entries: LibraryEntry[] = [];
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      try {
        const entry = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as LibraryEntry;
        await stat(join(this.dir, `${entry.sha256}.zip`));
        entries.push({ ...entry, path: join(this.dir, `${entry.sha256}.zip`) });
      } catch {
        // a metadata file without its bundle is not an entry
      }
    }
    return entries.sort((a, b) => b.addedAt.localeCompare(a.addedAt));
  }

  /** One entry by full SHA-256 or a unique prefix (≥ 8 hex digits); NOT_FOUND otherwise. */
  async get(sha: string): Promise<LibraryEntry> {
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
   * Adds a bundle after the bundle core's full check (unknown layout allowed; container faults refused).
   * `expectedSha256` guards a copy that must match a manifest or feed value.
   */
  async add(
    file: string,
    source: BundleSource,
    opts: { expectedSha256?: string; name?: string; move?: boolean } = {},
  ): Promise<LibraryEntry> {
    try {
      await stat(file);
    } catch {
      throw new CoreError('NOT_FOUND', `The file ${file} does not exist.`, { file });
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
      await rename(tmp, entry.path);
      await writeFileAtomic(join(this.dir, `${sha256}.json`), JSON.stringify(entry, null, 2) + '\n');
      return entry;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
