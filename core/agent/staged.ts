/**
 * Bundles kept on the node for the hand-off to ISE (interfaces.md `agent staged`, `GET /api/v1/staged`,
 * `GET /api/v1/staged/{sha256}`; issue 10). ISE takes content only through its GUI, so the node keeps the very
 * file an admin uploads there: an unknown-layout bundle is *staged* (a verified opaque file, never applied), and
 * every reference-layout bundle the node applied is kept the same way. Stored by SHA-256 (paths.ts `staged/`):
 * the zip, then its record, each written durably; one SHA-256 is kept once (idempotent), and a newer bundle never
 * replaces an older one — both are listed, newest first.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from '../durable.js';
import { hashFile } from '../hash.js';
import { newId, storePaths } from './paths.js';
import { corrupt, readStoreFile, requireStore } from './store-file.js';
import type { StagedBundle } from './types.js';

const HEX64 = /^[0-9a-f]{64}$/;
const version = z.string().max(100);
const text = z.string().max(4096);

/** staged/<sha256>.json: the node's own file, read through a schema (a damaged one is STORE_CORRUPT). */
const recordSchema = z.strictObject({
  format: z.literal(1),
  sha256: z.string().regex(HEX64),
  size: z.number().int().nonnegative(),
  layout: z.enum(['reference', 'unknown']),
  stagedAt: z.iso.datetime(),
  by: text,
  signer: z.strictObject({ name: text, fingerprint: text, signedAt: text }).optional(),
  file: text.optional(),
  outcome: z.enum(['staged', 'applied', 'skipped']),
  versions: z
    .strictObject({ conditions: version, avasWindows: version, avasMac: version, avasLinux: version, supportedOs: version })
    .optional(),
});

/** A kept bundle and where its bytes are. */
export type StagedFile = StagedBundle & { path: string };

const toBundle = ({ format: _format, ...rest }: z.infer<typeof recordSchema>): StagedBundle => rest;

/** Every kept bundle whose zip is in place, newest first (`agent staged`, `GET /api/v1/staged`). */
export async function listStaged(store: string): Promise<StagedBundle[]> {
  await requireStore(store);
  const p = storePaths(store);
  let names: string[];
  try {
    names = await readdir(p.staged);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw corrupt(store, 'staged/ unreadable', e);
  }
  const present = new Set(names);
  const out: StagedBundle[] = [];
  for (const name of names) {
    const m = /^([0-9a-f]{64})\.json$/.exec(name);
    // a record is complete only with its zip beside it (the zip is written first)
    if (!m?.[1] || !present.has(`${m[1]}.zip`)) continue;
    const record = await readStoreFile(store, p.stagedMeta(m[1]), recordSchema);
    if (record && record.sha256 === m[1]) out.push(toBundle(record));
  }
  return out.sort((a, b) => b.stagedAt.localeCompare(a.stagedAt) || a.sha256.localeCompare(b.sha256));
}

/** One kept bundle by its SHA-256 (or a unique prefix of at least 8 hex digits); NOT_FOUND otherwise. */
export async function findStaged(store: string, sha: string): Promise<StagedFile> {
  const want = sha.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(want))
    throw new CoreError('USAGE', `"${sha}" is not a bundle SHA-256 (64 hex digits, or a unique prefix of at least 8).`, { sha256: sha });
  const all = await listStaged(store);
  const found = all.filter((s) => s.sha256.startsWith(want));
  if (found.length !== 1 || !found[0])
    throw new CoreError(
      found.length > 1 ? 'USAGE' : 'NOT_FOUND',
      found.length > 1
        ? `${sha} matches ${found.length} kept bundles; give more of the SHA-256.`
        : `No bundle ${sha} is kept on this node for ISE (${all.length} kept). List them with \`posture-stage agent staged\`.`,
      { sha256: sha, kept: all.length },
    );
  return { ...found[0], path: storePaths(store).stagedZip(found[0].sha256) };
}

/** Copies `from` to `to` (a new file), hashing what is written; fsyncs it. */
async function copyHashed(from: string, to: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(
    createReadStream(from),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
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
  return hash.digest('hex');
}

/** What the caller knows of a bundle it keeps (the record minus what this module fills in). */
export type KeepRequest = Omit<StagedBundle, 'stagedAt'> & { stagedAt?: string };

/**
 * Keeps the bundle at `source` (already checked, SHA-256 `req.sha256`) under staged/. A file in the store's own
 * inbox/ is hard-linked (no copy: the agent owns it, and it is removed from inbox/ next), anything else copied;
 * either way the kept file is hashed again and must be the checked bytes. Idempotent: a SHA-256 kept before
 * stays as it was (`already`). Call under the apply lock.
 */
export async function keepForHandoff(store: string, source: string, req: KeepRequest): Promise<{ staged: StagedBundle; already: boolean }> {
  const p = storePaths(store);
  const zip = p.stagedZip(req.sha256);
  const existing = await readStoreFile(store, p.stagedMeta(req.sha256), recordSchema).catch(() => null);
  const zipSize = await stat(zip).then(
    (s) => (s.isFile() ? s.size : -1),
    () => -1,
  );
  if (existing && zipSize === existing.size) return { staged: toBundle(existing), already: true };
  await mkdir(p.staged, { recursive: true });
  const tmp = join(p.staged, `.tmp-${newId()}.zip`);
  try {
    const linked =
      dirname(source) === p.inbox &&
      (await link(source, tmp).then(
        () => true,
        () => false,
      ));
    const sha256 = linked ? (await hashFile(tmp)).sha256 : await copyHashed(source, tmp);
    if (sha256 !== req.sha256)
      throw new CoreError(
        'REMOTE_CHECKSUM_MISMATCH',
        `The bundle ${basename(source)} changed while it was being kept (SHA-256 ${sha256}, checked as ${req.sha256}); nothing was kept. Send it again and do not write to it meanwhile.`,
        { expected: req.sha256, actual: sha256 },
      );
    await rename(tmp, zip);
    const record: z.infer<typeof recordSchema> = { format: 1, ...req, stagedAt: req.stagedAt ?? new Date().toISOString() };
    await writeFileAtomic(p.stagedMeta(req.sha256), JSON.stringify(recordSchema.parse(record), null, 2) + '\n');
    await fsyncDir(p.staged);
    return { staged: toBundle(record), already: false };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Removes copies a killed apply left half-written (call under the apply lock). */
export async function cleanStagedLeftovers(store: string): Promise<string[]> {
  const dir = storePaths(store).staged;
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (name.startsWith('.tmp-') || /^\.[0-9a-f]{64}\.json\.tmp-/.test(name)) {
      await rm(join(dir, name), { force: true });
      removed.push(`staged/${name}`);
    }
  }
  return removed;
}

/** The kept bundles for humans (below the Update Information in `agent status`, and `agent staged`). */
export function formatStaged(list: StagedBundle[]): string {
  if (list.length === 0) return 'Kept for ISE: none (nothing staged or applied on this node yet).';
  const lines = [
    `Kept for ISE (${list.length}, newest first; hand one off with \`posture-stage agent handoff SHA256 --store DIR --out DIR\`):`,
  ];
  for (const s of list) {
    const what =
      s.layout === 'unknown'
        ? 'staged · layout not recognised (versions cannot be compared)'
        : `${s.outcome} here · conditions ${s.versions?.conditions ?? '?'}`;
    lines.push(
      `  ${s.stagedAt}  ${s.sha256}  ${s.size} bytes  ${what}  by ${s.by}${s.signer ? `  signed by ${s.signer.name} (${s.signer.fingerprint})` : ''}`,
    );
  }
  return lines.join('\n');
}
