/**
 * Library screen: list (damaged copies marked), import (file bytes or removable media; a bundle already there
 * keeps its name and says so), export, delete, inspect, and the change counter the screen follows.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HandlerTable, ImportedRow, LibraryRow } from '../contract.js';
import { hashFile, type LibraryEntry } from '../../library/index.js';
import { compareVersions, type Versions } from '../../bundle/index.js';
import { CoreError, toCoreError } from '../../errors.js';
import { damagedInWords } from '../app-library.js';
import type { FilePurpose, HandlerContext } from './context.js';

/** The largest SSH private key file read through the picker (the contract's paste box takes 20 000 characters). */
const MAX_KEY_BYTES = 20_000;

const KEYS: Array<keyof Versions> = ['conditions', 'avasWindows', 'avasMac', 'avasLinux', 'supportedOs'];

/** True when `other` is newer than `v` in any of the five versions and older in none. */
function newer(other: Versions, v: Versions): boolean {
  const d = KEYS.map((k) => compareVersions(other[k], v[k]));
  return d.some((x) => x > 0) && d.every((x) => x >= 0);
}

function sourceText(e: LibraryEntry): string {
  const s = e.source;
  if (s.kind === 'url') return s.url ?? 'feed';
  if (s.kind === 'import') return `removable media${s.signer ? ` (signed by ${s.signer})` : ''}`;
  return s.path ? `file ${basename(s.path)}` : 'file';
}

/** Library rows with the stale flag: a newer bundle is known to this workstation. */
function libraryRows(entries: LibraryEntry[], damaged: Map<string, string> = new Map()): LibraryRow[] {
  const known = entries.map((e) => e.inspection.versions).filter((v): v is Versions => v !== null);
  return entries.map((e) => {
    const actual = damaged.get(e.sha256);
    return {
      sha256: e.sha256,
      fileName: e.name,
      size: e.size,
      layout: e.inspection.layout,
      versions: e.inspection.versions,
      addedAt: e.source.fetchedAt ?? e.addedAt,
      source: sourceText(e),
      // nothing enters the library before the full check passed (core/library add); a copy changed since is damaged
      verified: actual === undefined,
      ...(actual !== undefined ? { damaged: { actual } } : {}),
      stale: e.inspection.versions !== null && known.some((k) => newer(k, e.inspection.versions as Versions)),
    };
  });
}

/** Reads the SSH private key the admin picked (bounded; a public key or another file is refused). */
async function readPrivateKey(file: string): Promise<{ fileName: string; privateKey: string }> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile())
    throw new CoreError('NOT_FOUND', `${file} is not a file. Choose the private key file (e.g. ~/.ssh/id_ed25519).`, { file });
  if (st.size > MAX_KEY_BYTES)
    throw new CoreError('USAGE', `${basename(file)} is too large for an SSH private key (${st.size} bytes). Choose the private key file.`, {
      file,
    });
  const privateKey = await readFile(file, 'utf8');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
    throw new CoreError(
      'USAGE',
      `${basename(file)} is not an SSH private key${/^(ssh|ecdsa)-/.test(privateKey) ? ' (it is a public key: choose the file without .pub)' : ''}.`,
      { file },
    );
  return { fileName: basename(file), privateKey };
}

export function libraryHandlers(ctx: HandlerContext) {
  const rows = async (): Promise<LibraryRow[]> => {
    const library = ctx.library;
    const entries = await library.list();
    return libraryRows(entries, await ctx.libraryWatch.damaged(entries, (e) => library.verify(e)));
  };
  const row = async (sha256: string, alreadyAs?: string): Promise<ImportedRow> => {
    const found = (await rows()).find((r) => r.sha256 === sha256);
    if (!found) throw new Error(`library entry ${sha256} vanished`);
    return alreadyAs !== undefined ? { ...found, alreadyAs } : found;
  };
  /** The entry under `sha256` whose copy is intact, or null (absent, or damaged: then an import replaces it). */
  const intact = async (sha256: string): Promise<LibraryEntry | null> => {
    const library = ctx.library;
    const entry = await library.lookup(sha256).catch(() => null);
    if (!entry) return null;
    return library.verify(entry).then(
      () => entry,
      () => null,
    );
  };
  const pick = (purpose: FilePurpose) => (ctx.chooseFile ? ctx.chooseFile(purpose) : Promise.resolve(null));
  return {
    listLibrary: rows,
    libraryChanges: async () => ({ version: ctx.libraryWatch.version(ctx.library.dir) }),

    importBundle: async ({ name, dataBase64 }, call) => {
      const dir = join(ctx.home, 'downloads');
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.import-${randomBytes(6).toString('hex')}.zip`);
      const fileName = basename(name.replaceAll('\\', '/')) || 'bundle.zip';
      try {
        await writeFile(tmp, Buffer.from(dataBase64, 'base64'), { mode: 0o600 });
        // the same bytes again: nothing to check or copy, and the bundle keeps the name it is known by
        const known = await intact((await hashFile(tmp)).sha256);
        if (known) {
          ctx.activity.add({
            kind: 'import',
            what: `${fileName}: already in the library as ${known.name}`,
            sha256: known.sha256,
            result: 'success',
          });
          return row(known.sha256, known.name);
        }
        const entry = await ctx.library.add(
          tmp,
          { kind: 'file', path: fileName, fetchedAt: new Date().toISOString() },
          { name: fileName, move: true, signal: call.signal },
        );
        ctx.activity.add({ kind: 'import', what: `imported ${fileName}`, sha256: entry.sha256, result: 'success' });
        return row(entry.sha256);
      } catch (e) {
        const err = toCoreError(e);
        ctx.activity.add({ kind: 'import', what: `refused ${fileName}`, result: 'refused', code: err.code, message: err.message });
        throw err;
      } finally {
        await rm(tmp, { force: true });
      }
    },

    exportBundle: async ({ sha256, dir, keyFile, passphrase }, call) => {
      const library = ctx.library;
      // bytes copied (and hashed) to the medium; a cancel stops the copy at its next chunk and nothing is left there
      const onProgress = (done: number, total: number) => {
        call.signal.throwIfAborted();
        call.progress(done, total);
      };
      const r = await library
        .export(sha256, dir, { key: keyFile, ...(passphrase ? { passphrase } : {}), onProgress })
        .catch(async (e: unknown) => {
          if (!CoreError.is(e, 'LIBRARY_DAMAGED')) throw e;
          throw damagedInWords(e, (await library.lookup(sha256).catch(() => null))?.name);
        });
      ctx.activity.add({ kind: 'export', what: `exported to ${r.dir}`, sha256, result: 'success' });
      return { dir: r.dir, files: [r.bundle, r.manifest, r.signature], signer: r.signer };
    },

    importFromMedia: async ({ dir, trustedKeyFile }, call) => {
      try {
        const before = new Map((await ctx.library.list()).map((e) => [e.sha256, e.name]));
        const entry = await ctx.library.import(dir, { trustedKeys: [trustedKeyFile], signal: call.signal });
        const alreadyAs = before.get(entry.sha256);
        ctx.activity.add({
          kind: 'import',
          what: `imported from ${dir}${alreadyAs ? ` (already in the library as ${alreadyAs}; its signed transfer manifest is kept)` : ''}`,
          sha256: entry.sha256,
          result: 'success',
        });
        return row(entry.sha256, alreadyAs);
      } catch (e) {
        const err = toCoreError(e);
        ctx.activity.add({ kind: 'import', what: `refused import from ${dir}`, result: 'refused', code: err.code, message: err.message });
        throw err;
      }
    },

    removeBundle: async ({ sha256 }) => {
      const removed = await ctx.library.remove(sha256);
      ctx.activity.add({ kind: 'delete', what: `deleted ${removed.name} from the library`, sha256: removed.sha256, result: 'success' });
      return { sha256: removed.sha256, fileName: removed.name };
    },
    chooseDirectory: async () => (ctx.chooseDirectory ? ctx.chooseDirectory() : null),
    chooseFile: async ({ purpose }) => pick(purpose),
    chooseKeyFile: async () => {
      const file = await pick('ssh-key');
      return file ? readPrivateKey(file) : null;
    },

    inspectBundle: async ({ sha256 }) => {
      const entry = await ctx.library.get(sha256);
      const checked = await ctx.inspections.get(entry.sha256, entry.path, entry.name);
      return { ...checked.inspection, conditionsIndex: checked.contents.get('conditions')?.conditions ?? null };
    },
  } satisfies Partial<HandlerTable>;
}
