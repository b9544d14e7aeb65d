/**
 * The node's trusted signers (interfaces.md `agent signers add KEY.pub · signers remove FP · signers list`,
 * `agent init --trusted-signer KEY.pub`): the Ed25519 public keys whose SSHSIG-signed transfer manifests
 * (`library export --key`) this node accepts. With at least one, the node applies only bundles that arrive
 * with such a manifest (custody.ts); with none it behaves as before. Kept in signers.json; the file holds
 * public keys only, but who may change it decides what the node runs, so it is written 0600 like the tokens.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ParsedKey } from 'ssh2';
import { CoreError } from '../errors.js';
import { fileError } from '../file-errors.js';
import { writeFileAtomic } from '../durable.js';
import { keyFingerprint, loadPublicKeys } from '../custody/sshsig.js';
import { storePaths } from './paths.js';
import { readStoreFile, requireStore, updateStoreFile } from './store-file.js';

/** One trusted key (`agent signers list --json`: `{"ok":true,"signers":[TrustedSigner…]}`). */
export interface TrustedSigner {
  /** "SHA256:…" as `ssh-keygen -l` prints it */
  fingerprint: string;
  /** "ssh-ed25519 AAAA…" */
  key: string;
  /** the key's comment (or allowed_signers principal): the name history records */
  comment: string;
  addedAt: string;
}

const signerSchema = z.strictObject({
  fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
  key: z.string().regex(/^ssh-ed25519 [A-Za-z0-9+/]+={0,3}$/),
  comment: z.string().max(200),
  addedAt: z.string(),
});
const signersSchema = z.strictObject({ format: z.literal(1), signers: z.array(signerSchema).max(1000) });

/** Printable, one line, bounded: the comment ends up in history and in ise-psc.log. */
function cleanComment(text: string): string {
  // C0/C1 controls and bidi overrides (a comment could otherwise rewrite what an admin reads)
  return text
    .replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, '')
    .trim()
    .slice(0, 200);
}

/** The ssh-ed25519 keys of a `.pub` file or an allowed_signers file, with their comment or principal. */
function parseSignerKeys(text: string, source = 'the key file'): Array<Omit<TrustedSigner, 'addedAt'>> {
  const out: Array<Omit<TrustedSigner, 'addedAt'>> = [];
  for (const raw of text.split('\n').slice(0, 10_000)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    // `.pub`: "ssh-ed25519 KEY comment"; allowed_signers: "principals [options] ssh-ed25519 KEY [comment]"
    const words = line.split(/\s+/);
    const at = words.indexOf('ssh-ed25519');
    const blob = at >= 0 ? words[at + 1] : undefined;
    const parsed = blob && /^[A-Za-z0-9+/]+={0,3}$/.test(blob) ? loadPublicKeys(`ssh-ed25519 ${blob}`)[0] : undefined;
    if (!blob || !parsed) {
      const type = words.find((w) => /^(ssh-rsa|ecdsa-sha2-|ssh-dss|sk-)/.test(w));
      throw new CoreError(
        'USAGE',
        type
          ? `${source} holds a ${type} key; transfer manifests are signed with Ed25519 only (ssh-keygen -t ed25519).`
          : `${source} is not an OpenSSH public key (ssh-ed25519 AAAA… comment) or allowed_signers line.`,
        { source },
      );
    }
    const comment = words.slice(at + 2).join(' ') || (at > 0 ? words[0]! : '');
    out.push({ fingerprint: keyFingerprint(parsed.getPublicSSH()), key: `ssh-ed25519 ${blob}`, comment: cleanComment(comment) });
  }
  if (out.length === 0) throw new CoreError('USAGE', `${source} holds no ssh-ed25519 public key.`, { source });
  return out;
}

/** Reads KEY.pub files for `agent init --trusted-signer` / `agent signers add`; NOT_FOUND if one is missing. */
export async function readSignerFiles(files: string[]): Promise<Array<Omit<TrustedSigner, 'addedAt'>>> {
  const out: Array<Omit<TrustedSigner, 'addedAt'>> = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch((e: unknown) => {
      throw fileError(e, f, 'The public key', () => new CoreError('NOT_FOUND', `Cannot read the public key ${f}.`, { file: f }));
    });
    out.push(...parseSignerKeys(text, f));
  }
  return out;
}

/** The trusted signers, oldest first; [] when none were ever added. */
export async function listSigners(store: string): Promise<TrustedSigner[]> {
  await requireStore(store);
  return (await readStoreFile(store, storePaths(store).signers, signersSchema))?.signers ?? [];
}

/** The signers of a store being created (`agent init --trusted-signer`), before it is complete. */
export async function writeInitialSigners(store: string, keys: Array<Omit<TrustedSigner, 'addedAt'>>): Promise<void> {
  const addedAt = new Date().toISOString();
  const signers: TrustedSigner[] = [];
  for (const k of keys) if (!signers.some((s) => s.fingerprint === k.fingerprint)) signers.push({ ...k, addedAt });
  await writeFileAtomic(storePaths(store).signers, JSON.stringify({ format: 1, signers }, null, 2) + '\n', 0o600);
}

/** Adds keys (already trusted ones are left as they are). */
export async function addSigners(
  store: string,
  keys: Array<Omit<TrustedSigner, 'addedAt'>>,
): Promise<{ added: TrustedSigner[]; signers: TrustedSigner[] }> {
  const addedAt = new Date().toISOString();
  return updateStoreFile(
    store,
    storePaths(store).signers,
    signersSchema,
    async () => ({ format: 1 as const, signers: [] }),
    (cur) => {
      const added: TrustedSigner[] = [];
      for (const k of keys)
        if (!cur.signers.some((s) => s.fingerprint === k.fingerprint) && !added.some((s) => s.fingerprint === k.fingerprint))
          added.push({ ...k, addedAt });
      const signers = [...cur.signers, ...added];
      return { next: { ...cur, signers }, result: { added, signers } };
    },
  );
}

/** Removes the key with fingerprint `fp` ("SHA256:…", the prefix may be left out). */
export async function removeSigner(store: string, fp: string): Promise<{ removed: TrustedSigner; signers: TrustedSigner[] }> {
  const want = fp.startsWith('SHA256:') ? fp : `SHA256:${fp}`;
  return updateStoreFile(
    store,
    storePaths(store).signers,
    signersSchema,
    async () => ({ format: 1 as const, signers: [] }),
    (cur) => {
      const removed = cur.signers.find((s) => s.fingerprint === want);
      if (!removed)
        throw new CoreError('NOT_FOUND', `No trusted signer has the fingerprint ${fp}. See \`agent signers list\`.`, {
          fingerprint: fp,
          signers: cur.signers.map((s) => s.fingerprint),
        });
      const signers = cur.signers.filter((s) => s !== removed);
      return { next: { ...cur, signers }, result: { removed, signers } };
    },
  );
}

/** The trusted signers and their parsed keys, for verification. */
export async function trustedKeys(store: string): Promise<{ signers: TrustedSigner[]; keys: ParsedKey[] }> {
  const signers = await listSigners(store);
  return { signers, keys: signers.flatMap((s) => loadPublicKeys(s.key)) };
}
