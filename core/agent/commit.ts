/**
 * The atomic state switch (interfaces.md "Apply semantics": a crash or kill at any instant leaves either
 * the old or the new state). A new state is written under states/.tmp-<id>, every file fsynced, the
 * directory renamed to states/<id> and fsynced, then CURRENT is replaced by rename: that rename is the
 * commit point. Unchanged payloads are hard-linked from the state they come from (states are immutable).
 * New payloads are streamed from the checked bundle's entries straight into their files, SHA-256 and
 * size verified on the very bytes written, each file fsynced once (issue 11 "Apply").
 */
import { copyFile, link, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentContent, ComponentId } from '../bundle/types.js';
import { CoreError } from '../errors.js';
import { storePaths } from './paths.js';
import { fsyncDir, writeFileAtomic, writeFileSynced } from '../durable.js';
import { readState, type StoreState } from './store.js';
import { pointerFor } from './states.js';

/** Where a component of the new state comes from: a payload file the check wrote, or an existing state's files. */
export type ComponentSource = { kind: 'file'; path: string; content: ComponentContent } | { kind: 'state'; stateId: string };

/**
 * Moves a payload file (written by the check as it hashed it, core/bundle/payload-files.ts) into the new
 * state and fsyncs it: the copy path of an apply is a rename and one fsync per file.
 */
async function moveFileSynced(from: string, to: string): Promise<number> {
  await rename(from, to);
  const fh = await open(to, 'r');
  try {
    await fh.sync();
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    // file systems without hard links: copy and fsync the copy
    await copyFile(from, to);
    const fh = await open(to, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/** Writes `next` (whose components must all have a source) and makes it current, with `kept` (newest first) for rollback. */
export async function commitState(
  store: string,
  next: StoreState,
  sources: Map<ComponentId, ComponentSource>,
  kept: string[],
  onFile?: (id: ComponentId, path: string) => void,
): Promise<string> {
  const p = storePaths(store);
  const tmp = join(p.states, `.tmp-${next.id}`);
  await mkdir(tmp);
  try {
    for (const [id, installed] of Object.entries(next.components) as Array<[ComponentId, StoreState['components'][ComponentId]]>) {
      if (!installed) continue;
      const source = sources.get(id);
      if (!source) throw new CoreError('INTERNAL', `No source for component ${id} while writing the new state.`);
      if (source.kind === 'file') {
        // the bytes were hashed as they were written (by the check, against the manifest); their size is checked again here
        const size = await moveFileSynced(source.path, join(tmp, installed.file));
        if (size !== installed.size) {
          throw new CoreError(
            'CHECKSUM_MISMATCH',
            `The payload of ${id} read back from the bundle does not match its manifest checksum; nothing was changed. Download the bundle again.`,
            { component: id },
          );
        }
        await writeFileSynced(join(tmp, `${id}.content.json`), JSON.stringify(source.content));
      } else {
        const from = p.state(source.stateId);
        const old = await readState(store, source.stateId);
        const oldFile = old.components[id]?.file;
        if (!oldFile) throw new CoreError('INTERNAL', `State ${source.stateId} has no ${id} to carry over.`);
        await linkOrCopy(join(from, oldFile), join(tmp, installed.file));
        await linkOrCopy(join(from, `${id}.content.json`), join(tmp, `${id}.content.json`));
      }
    }
    await writeFileSynced(join(tmp, 'state.json'), JSON.stringify(next, null, 2));
    await fsyncDir(tmp);
    await rename(tmp, p.state(next.id));
    await fsyncDir(p.states);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  for (const [id, installed] of Object.entries(next.components) as Array<[ComponentId, StoreState['components'][ComponentId]]>) {
    if (installed && sources.get(id)?.kind === 'file') onFile?.(id, join(p.state(next.id), installed.file));
  }
  // the commit point
  await writeFileAtomic(p.current, JSON.stringify(pointerFor(next.id, kept)));
  return next.id;
}

/** Removes states no longer named by CURRENT (after a commit; failures here never undo the commit). */
export async function pruneStates(store: string, keep: string[]): Promise<void> {
  const p = storePaths(store);
  const keepSet = new Set(keep);
  for (const name of await readdir(p.states)) {
    if (!keepSet.has(name) && !name.startsWith('.tmp-'))
      await rm(join(p.states, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
