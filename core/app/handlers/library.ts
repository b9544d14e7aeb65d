/** Library screen: list, import (file bytes or removable media), export, inspect. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HandlerTable, LibraryRow } from '../contract.js';
import type { LibraryEntry } from '../../library/index.js';
import { compareVersions, type Versions } from '../../bundle/index.js';
import { toCoreError } from '../../errors.js';
import type { HandlerContext } from './context.js';

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
function libraryRows(entries: LibraryEntry[]): LibraryRow[] {
  const known = entries.map((e) => e.inspection.versions).filter((v): v is Versions => v !== null);
  return entries.map((e) => ({
    sha256: e.sha256,
    fileName: e.name,
    size: e.size,
    layout: e.inspection.layout,
    versions: e.inspection.versions,
    addedAt: e.source.fetchedAt ?? e.addedAt,
    source: sourceText(e),
    // nothing enters the library before the full check passed (core/library add)
    verified: true,
    stale: e.inspection.versions !== null && known.some((k) => newer(k, e.inspection.versions as Versions)),
  }));
}

export function libraryHandlers(ctx: HandlerContext) {
  const row = async (sha256: string) => {
    const found = libraryRows(await ctx.library.list()).find((r) => r.sha256 === sha256);
    if (!found) throw new Error(`library entry ${sha256} vanished`);
    return found;
  };
  return {
    listLibrary: async () => libraryRows(await ctx.library.list()),

    importBundle: async ({ name, dataBase64 }, call) => {
      const dir = join(ctx.home, 'downloads');
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.import-${randomBytes(6).toString('hex')}.zip`);
      const fileName = basename(name.replaceAll('\\', '/')) || 'bundle.zip';
      try {
        await writeFile(tmp, Buffer.from(dataBase64, 'base64'), { mode: 0o600 });
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
      // bytes copied (and hashed) to the medium; a cancel stops the copy at its next chunk and nothing is left there
      const onProgress = (done: number, total: number) => {
        call.signal.throwIfAborted();
        call.progress(done, total);
      };
      const r = await ctx.library.export(sha256, dir, { key: keyFile, ...(passphrase ? { passphrase } : {}), onProgress });
      ctx.activity.add({ kind: 'export', what: `exported to ${r.dir}`, sha256, result: 'success' });
      return { dir: r.dir, files: [r.bundle, r.manifest, r.signature], signer: r.signer };
    },

    importFromMedia: async ({ dir, trustedKeyFile }, call) => {
      try {
        const entry = await ctx.library.import(dir, { trustedKeys: [trustedKeyFile], signal: call.signal });
        ctx.activity.add({ kind: 'import', what: `imported from ${dir}`, sha256: entry.sha256, result: 'success' });
        return row(entry.sha256);
      } catch (e) {
        const err = toCoreError(e);
        ctx.activity.add({ kind: 'import', what: `refused import from ${dir}`, result: 'refused', code: err.code, message: err.message });
        throw err;
      }
    },

    chooseDirectory: async () => (ctx.chooseDirectory ? ctx.chooseDirectory() : null),

    inspectBundle: async ({ sha256 }) => {
      const entry = await ctx.library.get(sha256);
      const checked = await ctx.inspections.get(entry.sha256, entry.path, entry.name);
      return { ...checked.inspection, conditionsIndex: checked.contents.get('conditions')?.conditions ?? null };
    },
  } satisfies Partial<HandlerTable>;
}
