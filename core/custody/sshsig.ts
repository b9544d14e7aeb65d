/**
 * Detached signatures in OpenSSH's SSHSIG format (PROTOCOL.sshsig in the OpenSSH sources), so that a
 * third party can check a transfer manifest with `ssh-keygen -Y verify -n posture-stage …`.
 * Blob signed:  "SSHSIG" ‖ string namespace ‖ string reserved ‖ string hash_alg ‖ string H(message)
 * Signature:    "SSHSIG" ‖ uint32 1 ‖ string pubkey ‖ string namespace ‖ string reserved ‖ string hash_alg ‖ string sig
 * Armored between "-----BEGIN SSH SIGNATURE-----" lines, base64 wrapped at 70 columns.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { CoreError } from '../errors.js';
import { opensshFingerprint } from '../hash.js';

const SIG_NAMESPACE = 'posture-stage';
const MAGIC = Buffer.from('SSHSIG');
const HASH = 'sha512';

function sshString(data: Buffer | string): Buffer {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function readStrings(buf: Buffer, start: number, count: number): { values: Buffer[]; end: number } {
  const values: Buffer[] = [];
  let pos = start;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > buf.length) throw new Error('truncated');
    const len = buf.readUInt32BE(pos);
    if (pos + 4 + len > buf.length) throw new Error('truncated');
    values.push(buf.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return { values, end: pos };
}

function signedBlob(message: Uint8Array, namespace: string): Buffer {
  const digest = createHash(HASH).update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(HASH), sshString(digest)]);
}

/** Parses an OpenSSH private key (optionally passphrase-protected); only Ed25519 is accepted. */
export function loadPrivateKey(data: string | Buffer, passphrase?: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(data, passphrase);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key || key instanceof Error) {
    const why = key instanceof Error ? key.message : 'unreadable';
    throw new CoreError(
      'USAGE',
      `Cannot read the signing key (${why}). Give an OpenSSH Ed25519 private key (ssh-keygen -t ed25519), with its passphrase if it has one.`,
    );
  }
  if (!key.isPrivateKey() || key.type !== 'ssh-ed25519')
    throw new CoreError('USAGE', 'The signing key must be an OpenSSH Ed25519 private key (ssh-keygen -t ed25519).');
  return key;
}

/** Parses the first "ssh-ed25519 AAAA…" in a public key or allowed_signers text. */
export function loadPublicKeys(text: string): ParsedKey[] {
  const keys: ParsedKey[] = [];
  for (const m of text.matchAll(/ssh-ed25519\s+([A-Za-z0-9+/=]+)/g)) {
    const parsed = ssh2.utils.parseKey(`ssh-ed25519 ${m[1]}`);
    if (!(parsed instanceof Error) && !Array.isArray(parsed)) keys.push(parsed);
  }
  return keys;
}

/** "SHA256:…" of an SSH public key blob, as `ssh-keygen -l` prints it. */
export function keyFingerprint(publicSSH: Buffer): string {
  return opensshFingerprint(publicSSH);
}

/** Signs `message`; returns the armored SSHSIG text. */
export function signSshsig(message: Uint8Array, key: ParsedKey, namespace = SIG_NAMESPACE): string {
  const sig = key.sign(signedBlob(message, namespace));
  const sigBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(sig)]);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1);
  const body = Buffer.concat([
    MAGIC,
    version,
    sshString(key.getPublicSSH()),
    sshString(namespace),
    sshString(''),
    sshString(HASH),
    sshString(sigBlob),
  ]);
  const b64 =
    body
      .toString('base64')
      .match(/.{1,70}/g)
      ?.join('\n') ?? '';
  return `-----BEGIN SSH SIGNATURE-----\n${b64}\n-----END SSH SIGNATURE-----\n`;
}

/**
 * Verifies an armored SSHSIG over `message` against the trusted keys; returns the signer's fingerprint.
 * Throws SIGNATURE_INVALID naming what did not match.
 */
export function verifySshsig(message: Uint8Array, armored: string, trusted: ParsedKey[], namespace = SIG_NAMESPACE): string {
  const invalid = (why: string, details: Record<string, unknown> = {}) =>
    new CoreError(
      'SIGNATURE_INVALID',
      `The transfer manifest's signature does not verify: ${why}. Do not import this bundle; export it again from the workstation.`,
      details,
    );
  const m = /-----BEGIN SSH SIGNATURE-----([\s\S]+?)-----END SSH SIGNATURE-----/.exec(armored);
  if (!m?.[1]) throw invalid('the .sig file is not an SSH signature');
  const buf = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC) || buf.readUInt32BE(6) !== 1) throw invalid('unknown signature format');
  let values: Buffer[];
  try {
    values = readStrings(buf, 10, 5).values;
  } catch {
    throw invalid('the signature is truncated');
  }
  const [pub, ns, , hashAlg, sigBlob] = values as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (ns.toString() !== namespace) throw invalid(`namespace "${ns.toString()}" is not "${namespace}"`);
  if (hashAlg.toString() !== HASH && hashAlg.toString() !== 'sha256') throw invalid(`unsupported hash ${hashAlg.toString()}`);
  const signer = keyFingerprint(pub);
  const key = trusted.find((k) => k.getPublicSSH().equals(pub));
  if (!key)
    throw invalid(`it was made by key ${signer}, which is not among the trusted keys`, {
      signer,
      trusted: trusted.map((k) => keyFingerprint(k.getPublicSSH())),
    });
  const [alg, sig] = readStrings(sigBlob, 0, 2).values as [Buffer, Buffer];
  if (alg.toString() !== 'ssh-ed25519') throw invalid(`unsupported key type ${alg.toString()}`);
  const digest = createHash(hashAlg.toString()).update(message).digest();
  const blob = Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlg), sshString(digest)]);
  if (!key.verify(blob, sig)) throw invalid('the manifest was changed after signing, or the signature is damaged', { signer });
  return signer;
}
