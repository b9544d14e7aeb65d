/**
 * `posture-stage agent package --out DIR [--key KEY] [--arch A]` (interfaces.md) and the app's
 * "Prepare a node…": writes the node kit to removable media — executables, .deb, .tar.gz, kit.json,
 * INSTALL.txt, SHA256SUMS and, with a key, SHA256SUMS.sig. Every artifact is re-hashed while it is
 * copied and must match the kit it came from, so a damaged source never reaches the medium.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CoreError, toCoreError } from '../errors.js';
import { fileError } from '../file-errors.js';
import { keyFingerprint, loadPrivateKey, signSshsig } from '../custody/sshsig.js';
import type { ParsedKey } from 'ssh2';
import { formatKitManifest, KIT_MANIFEST, readKitManifest, type KitArch, type KitArtifact, type KitManifest } from './manifest.js';
import { formatSums, KIT_SIG_NAMESPACE, SUMS_FILE, SUMS_SIGNATURE } from './sums.js';
import { installText } from './install-text.js';
import { buildKitInClone, findSourceRoot, kitBesideExecutable, type BuildProgress } from './source.js';

export const INSTALL_FILE = 'INSTALL.txt';

/** What `packageAgentKit` reports while it works. */
export type KitProgress =
  { step: 'build'; message: string } | { step: 'copy'; file: string; done: number; total: number } | { step: 'sign'; message: string };

export interface PackageKitOptions {
  /** the folder to write (created; must be empty or hold an earlier kit) */
  out: string;
  /** OpenSSH Ed25519 private key: signs SHA256SUMS (SHA256SUMS.sig, namespace posture-stage-kit) */
  key?: string;
  passphrase?: string;
  /** CPUs to include (default: every one the source kit has) */
  arches?: KitArch[];
  /** an existing kit folder to copy from (default: beside the executable, else built in the clone) */
  from?: string;
  /** the developer clone to build in (default: the one the running CLI belongs to) */
  sourceRoot?: string;
  onProgress?: (p: KitProgress) => void;
  signal?: AbortSignal;
}

export interface PackagedFile {
  file: string;
  size: number;
  sha256: string;
}

export interface PackagedKit {
  out: string;
  version: string;
  /** every file written, SHA256SUMS and its signature included */
  files: PackagedFile[];
  /** the key that signed SHA256SUMS, or null */
  signer: { fingerprint: string; namespace: string } | null;
  /** where the kit came from */
  source: string;
}

const KIT_FILE = /^(posture-stage[-_].+|kit\.json|INSTALL\.txt|SHA256SUMS(\.sig)?)$/;

/** Writes the node kit into `out`; see PackageKitOptions for where it comes from. */
export async function packageAgentKit(opts: PackageKitOptions): Promise<PackagedKit> {
  const progress = opts.onProgress ?? (() => undefined);
  // the key first: a wrong key or passphrase must not cost a build and a copy
  const key = opts.key ? await loadKitKey(opts.key, opts.passphrase) : null;
  const out = resolve(opts.out);
  await checkOut(out);
  const source = await locateKit(opts, (p) => progress({ step: 'build', message: p.message }));
  const manifest = await readKitManifest(source);
  const arches = opts.arches ?? [...new Set(manifest.artifacts.map((a) => a.arch))];
  const missing = arches.filter((a) => !manifest.artifacts.some((x) => x.arch === a));
  if (missing.length > 0)
    throw new CoreError('NOT_FOUND', `The kit in ${source} has nothing for ${missing.join(', ')}. It has: ${describeArches(manifest)}.`, {
      source,
      missing,
    });
  const artifacts = manifest.artifacts.filter((a) => arches.includes(a.arch));
  if (resolve(source) === out) throw new CoreError('USAGE', `--out ${out} is the kit's own folder; choose another folder (the medium).`);
  await prepareOut(out);

  const total = artifacts.reduce((n, a) => n + a.size, 0);
  let done = 0;
  for (const a of artifacts) {
    opts.signal?.throwIfAborted();
    await copyVerified(join(source, a.file), join(out, a.file), a, (n) => {
      done += n;
      progress({ step: 'copy', file: a.file, done, total });
    });
  }
  const finished = await finishKit(out, { ...manifest, artifacts }, key, progress);
  return { out, version: manifest.version, ...finished, source };
}

/**
 * Completes a kit folder that holds `manifest.artifacts`: kit.json, INSTALL.txt, SHA256SUMS over all
 * of them and, with a key, SHA256SUMS.sig. Shared by `packageAgentKit` and `npm run dist:agent`.
 */
export async function finishKit(
  dir: string,
  manifest: KitManifest,
  key: ParsedKey | null,
  progress: (p: KitProgress) => void = () => undefined,
): Promise<Pick<PackagedKit, 'files' | 'signer'>> {
  const signer = key
    ? { fingerprint: keyFingerprint(key.getPublicSSH()), publicKey: `ssh-ed25519 ${key.getPublicSSH().toString('base64')}` }
    : null;
  const arches = [...new Set(manifest.artifacts.map((a) => a.arch))];
  await rm(join(dir, SUMS_FILE), { force: true });
  await rm(join(dir, SUMS_SIGNATURE), { force: true });
  const files: PackagedFile[] = manifest.artifacts.map((a) => ({ file: a.file, size: a.size, sha256: a.sha256 }));
  files.push(await writeText(dir, KIT_MANIFEST, formatKitManifest(manifest)));
  files.push(await writeText(dir, INSTALL_FILE, installText({ version: manifest.version, arches, ...(signer ? { signer } : {}) })));
  const sums = formatSums(files);
  if (key && signer) {
    progress({ step: 'sign', message: `signing ${SUMS_FILE} with ${signer.fingerprint}` });
    files.push(await writeText(dir, SUMS_SIGNATURE, signSshsig(Buffer.from(sums), key, KIT_SIG_NAMESPACE)));
  }
  // SHA256SUMS last: its presence means the kit is complete
  files.push(await writeText(dir, SUMS_FILE, sums));
  return { files, signer: signer ? { fingerprint: signer.fingerprint, namespace: KIT_SIG_NAMESPACE } : null };
}

/** Reads and parses an OpenSSH Ed25519 private key file for signing a kit. */
export async function loadKitKey(file: string, passphrase?: string): Promise<ParsedKey> {
  return loadPrivateKey(await readKeyFile(file), passphrase);
}

async function readKeyFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw fileError(
      e,
      file,
      'The signing key',
      () =>
        new CoreError('USAGE', `Cannot read the signing key ${file}. Give an OpenSSH Ed25519 private key (ssh-keygen -t ed25519).`, {
          key: file,
        }),
    );
  }
}

async function locateKit(opts: PackageKitOptions, onBuild: (p: BuildProgress) => void): Promise<string> {
  if (opts.from) return resolve(opts.from);
  const beside = kitBesideExecutable();
  if (beside) return beside;
  const root = opts.sourceRoot ?? findSourceRoot();
  if (!root)
    throw new CoreError(
      'USAGE',
      'No node kit to copy: this posture-stage is neither in its kit folder nor in a developer clone. Give the kit folder with --from DIR, or run `npm run dist:agent` in a clone.',
    );
  return buildKitInClone(root, {
    ...(opts.arches ? { arches: opts.arches } : {}),
    onProgress: onBuild,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

function describeArches(m: KitManifest): string {
  return [...new Set(m.artifacts.map((a) => a.arch))].join(', ');
}

/** `out` must be new, empty or an earlier kit (whose files are then replaced). */
async function checkOut(out: string): Promise<string[]> {
  const entries = await readdir(out).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    if (e.code === 'ENOTDIR') throw new CoreError('USAGE', `--out ${out} is a file; give a folder.`, { out });
    throw fileError(e, out, 'The folder', () => toCoreError(e), 'list');
  });
  const foreign = entries.filter((n) => !KIT_FILE.test(n) && !n.startsWith('.kit-'));
  if (foreign.length > 0)
    throw new CoreError('USAGE', `${out} holds other files; write the kit into an empty folder (or one with an earlier kit).`, {
      out,
      entries: foreign.slice(0, 10),
    });
  return entries;
}

async function prepareOut(out: string): Promise<void> {
  const entries = await checkOut(out);
  await mkdir(out, { recursive: true });
  // the old SHA256SUMS goes first, so an interrupted run never leaves a kit that looks complete
  for (const name of [SUMS_FILE, SUMS_SIGNATURE, ...entries]) await rm(join(out, name), { force: true, recursive: true });
}

/** Copies one artifact through a temporary name, hashing it; refuses if it differs from kit.json. */
async function copyVerified(from: string, to: string, a: KitArtifact, onBytes: (n: number) => void): Promise<void> {
  const tmp = join(resolve(to, '..'), `.kit-${a.file}.part`);
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(from), tap, createWriteStream(tmp, { mode: a.kind === 'executable' ? 0o755 : 0o644 }));
  } catch (e) {
    await rm(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CoreError('NOT_FOUND', `The kit lacks ${a.file}. Copy the whole kit folder again from its source.`, { file: a.file });
    // the refused path is the artifact read or the temporary file written beside `to`
    const path: unknown = e instanceof Error ? Reflect.get(e, 'path') : undefined;
    if (path === tmp) throw fileError(e, tmp, 'The file', () => toCoreError(e), 'write');
    throw fileError(e, from, "The kit's file", () => toCoreError(e));
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== a.sha256 || size !== a.size) {
    await rm(tmp, { force: true });
    throw new CoreError(
      'SIGNATURE_INVALID',
      `${a.file} in the source kit does not match its kit.json (damaged or changed). Copy or build the kit again.`,
      { file: a.file, expected: a.sha256, actual: sha256, expectedSize: a.size, size },
    );
  }
  await rename(tmp, to);
}

async function writeText(dir: string, name: string, text: string): Promise<PackagedFile> {
  const data = Buffer.from(text);
  await writeFile(join(dir, name), data, { mode: 0o644 });
  const { size } = await stat(join(dir, name));
  return { file: name, size, sha256: createHash('sha256').update(data).digest('hex') };
}
