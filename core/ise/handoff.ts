/**
 * Writes the hand-off folder (interfaces.md `agent handoff`, `handoff`): `posture-offline.zip`, re-verified —
 * its SHA-256 must be the one it was staged (or stored) under, and its container is checked again by the bundle
 * core (a reference-layout bundle gets every check) — `posture-offline.zip.sha256` in sha256sum's format, and
 * HANDOFF.txt (handoff-text.ts). Each file is written under a temporary name and published by link(2), which
 * never replaces a file: an existing file with the same content is left as it is, a different one is refused
 * before anything is written.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkBundle } from '../bundle/index.js';
import { CoreError } from '../errors.js';
import { fsyncDir, writeFileSynced } from '../durable.js';
import { hashFile } from '../hash.js';
import {
  HANDOFF_BUNDLE,
  HANDOFF_SUMS,
  HANDOFF_TEXT,
  handoffDocument,
  handoffText,
  handoffTextWithoutTime,
  preparedTimeOf,
  sumsLine,
  type HandoffInput,
} from './handoff-text.js';
import type { HandoffResult } from './types.js';

export interface HandoffSource {
  /** the file to hand off: a node's staged copy, a download from a node, a library copy */
  file: string;
  /** the SHA-256 it must have */
  sha256: string;
  /** where it comes from, in words (HANDOFF.txt "From") */
  source: string;
  signer?: HandoffInput['signer'];
  /** the ISE deployment (its PAN's host name) */
  deployment?: string | null;
  /** `file` is a temporary download inside `out`: moved into place instead of copied */
  move?: boolean;
  /** the refusal when the file does not have `sha256` (default CHECKSUM_MISMATCH) */
  mismatch?: (actual: string) => CoreError;
  onProgress?: (done: number, total: number) => void;
  /** the hand-off time written to HANDOFF.txt (default now) */
  now?: Date;
}

const tmpName = (dir: string, name: string) => join(dir, `.${name}.tmp-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);

/** Copies `from` to a new file `to`, hashing the bytes written, with progress; fsyncs it. */
async function copyHashed(
  from: string,
  to: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ sha256: string; size: number }> {
  const total = (await stat(from)).size;
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    createReadStream(from),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        onProgress?.(size, total);
        cb(null, chunk);
      },
    }),
    createWriteStream(to, { flags: 'wx', mode: 0o644 }),
  );
  const fh = await open(to, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { sha256: hash.digest('hex'), size };
}

/** What is at `path` now: absent, or its bytes are the same as `want` (compared by `same`). */
async function existing(path: string, same: (path: string) => Promise<boolean>): Promise<'absent' | 'same' | 'different'> {
  const st = await stat(path).catch(() => null);
  if (!st) return 'absent';
  if (!st.isFile()) return 'different';
  return (await same(path)) ? 'same' : 'different';
}

/** Publishes `tmp` as `final` without ever replacing a file (link fails with EEXIST), then drops `tmp`. */
async function publish(tmp: string, final: string): Promise<void> {
  try {
    await link(tmp, final);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CoreError(
        'USAGE',
        `${final} appeared while the hand-off was being written; nothing of it was replaced. Run the hand-off again.`,
        {
          file: final,
        },
      );
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Writes the three hand-off files into `out`; refuses (and writes nothing) when the file is not the one expected. */
export async function writeHandoff(src: HandoffSource, out: string): Promise<HandoffResult> {
  try {
    await mkdir(out, { recursive: true });
  } catch (e) {
    throw new CoreError('USAGE', `Cannot create the folder ${out} (${(e as Error).message}). Choose another --out.`, { dir: out });
  }
  const tmpZip = src.move ? src.file : tmpName(out, HANDOFF_BUNDLE);
  const temps = [tmpZip];
  try {
    const got = src.move ? await hashFile(src.file) : await copyHashed(src.file, tmpZip, src.onProgress);
    if (got.sha256 !== src.sha256)
      throw (
        src.mismatch?.(got.sha256) ??
        new CoreError(
          'CHECKSUM_MISMATCH',
          `The file to hand off has SHA-256 ${got.sha256}, not ${src.sha256} as expected; nothing was written. Fetch, import or stage the bundle again.`,
          { expected: src.sha256, actual: got.sha256, file: src.file },
        )
      );
    // the container checked again, as ISE will get it (a refusal here means nothing is handed off)
    const checked = await checkBundle(tmpZip, { fileName: HANDOFF_BUNDLE });
    const { inspection } = checked;
    const input: HandoffInput = {
      sha256: got.sha256,
      size: got.size,
      layout: inspection.layout,
      versions: inspection.versions,
      source: src.source,
      signer: src.signer ?? null,
      deployment: src.deployment ?? null,
    };
    const document = handoffDocument({ ...input, ...(src.now ? { preparedAt: src.now } : {}) });
    const text = handoffText(document);
    const sums = sumsLine(got.sha256);
    const paths = { bundle: join(out, HANDOFF_BUNDLE), sha256: join(out, HANDOFF_SUMS), handoff: join(out, HANDOFF_TEXT) };
    const state = {
      bundle: await existing(paths.bundle, async (p) => (await hashFile(p)).sha256 === got.sha256),
      sha256: await existing(paths.sha256, async (p) => (await readFile(p, 'utf8')) === sums),
      handoff: await existing(
        paths.handoff,
        async (p) => handoffTextWithoutTime(await readFile(p, 'utf8')) === handoffTextWithoutTime(text),
      ),
    };
    // the same hand-off again: the folder keeps its first Prepared time, and the answer says so
    const kept = state.handoff === 'same' ? preparedTimeOf(await readFile(paths.handoff, 'utf8')) : null;
    const answer = kept ? handoffDocument({ ...input, preparedAt: kept }) : document;
    const different = (Object.keys(state) as Array<keyof typeof state>).filter((k) => state[k] === 'different').map((k) => paths[k]);
    if (different.length > 0)
      throw new CoreError(
        'USAGE',
        `${different.join(', ')} already ${different.length === 1 ? 'exists' : 'exist'} in ${out} with other content; a hand-off never replaces a file. Choose an empty folder for --out, or move those files away first.`,
        { dir: out, files: different },
      );
    if (state.bundle === 'absent') await publish(tmpZip, paths.bundle);
    for (const [key, content] of [
      ['sha256', sums],
      ['handoff', text],
    ] as const) {
      if (state[key] !== 'absent') continue;
      const tmp = tmpName(out, key);
      temps.push(tmp);
      await writeFileSynced(tmp, content, 0o644);
      await publish(tmp, paths[key]);
    }
    await fsyncDir(out);
    const names = { bundle: HANDOFF_BUNDLE, sha256: HANDOFF_SUMS, handoff: HANDOFF_TEXT };
    return {
      dir: out,
      files: paths,
      sha256: got.sha256,
      size: got.size,
      layout: inspection.layout,
      versions: inspection.versions,
      unchanged: (Object.keys(state) as Array<keyof typeof state>).filter((k) => state[k] === 'same').map((k) => names[k]),
      document: answer,
    };
  } finally {
    for (const t of temps) await rm(t, { force: true });
  }
}
