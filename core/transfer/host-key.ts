/**
 * SSH host-key trust (interfaces.md `push`): the key must match `--host-key SHA256:…` or a known_hosts
 * entry (plain, `[host]:port`, or hashed `|1|salt|hmac`); an unknown key → HOST_KEY_UNKNOWN, a
 * different key → HOST_KEY_MISMATCH, and in both cases nothing is sent.
 */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { CoreError } from '../errors.js';
import { isPermissionError, permissionDenied } from '../file-errors.js';
import { opensshFingerprint } from '../hash.js';
import { classifySshError } from './ssh-errors.js';
import { cancelled } from './events.js';

/** OpenSSH's "SHA256:<base64 no padding>" of a key blob. */
export function sshFingerprint(keyBlob: Buffer): string {
  return opensshFingerprint(keyBlob);
}

function keyTypeOf(blob: Buffer): string {
  return blob.length > 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString() : 'unknown';
}

function hostPatterns(host: string, port: number): string[] {
  return port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
}

function hostMatches(field: string, host: string, port: number): boolean {
  const wanted = hostPatterns(host, port);
  for (const item of field.split(',')) {
    if (item.startsWith('|1|')) {
      const [, , salt, hash] = item.split('|');
      if (!salt || !hash) continue;
      for (const w of wanted) if (createHmac('sha1', Buffer.from(salt, 'base64')).update(w).digest('base64') === hash) return true;
    } else if (wanted.includes(item)) return true;
  }
  return false;
}

export type HostKeyVerdict = { verdict: 'match' } | { verdict: 'unknown' } | { verdict: 'mismatch'; expected: string[] };

export interface HostKeyPolicy {
  /** "SHA256:…" given with --host-key */
  hostKey?: string;
  /** known_hosts files to consult (default ~/.ssh/known_hosts when no --host-key) */
  knownHosts?: string[];
}

/** Judges a presented key blob against --host-key or the known_hosts lines for host:port. */
export async function judgeHostKey(blob: Buffer, host: string, port: number, policy: HostKeyPolicy): Promise<HostKeyVerdict> {
  const fp = sshFingerprint(blob);
  const norm = (s: string) => s.trim().replace(/=+$/, '');
  if (policy.hostKey) return norm(policy.hostKey) === fp ? { verdict: 'match' } : { verdict: 'mismatch', expected: [policy.hostKey] };
  const files = policy.knownHosts ?? [join(homedir(), '.ssh', 'known_hosts')];
  const expected: string[] = [];
  for (const file of files) {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      // a known_hosts that does not exist holds no key; one we may not read must not pass for "unknown host"
      if (isPermissionError(e)) throw permissionDenied(file, 'The known_hosts file', 'read', e);
      continue;
    }
    for (const line of text.split('\n')) {
      const parts = line.trim().split(/\s+/);
      if (parts.length < 3 || parts[0]?.startsWith('#')) continue;
      const marker = parts[0]?.startsWith('@') ? parts.shift() : undefined;
      const [hosts, type, b64] = parts as [string, string, string];
      if (marker === '@cert-authority' || !hostMatches(hosts, host, port)) continue;
      const entryFp = sshFingerprint(Buffer.from(b64, 'base64'));
      if (marker === '@revoked') {
        if (entryFp === fp) return { verdict: 'mismatch', expected: [] };
        continue;
      }
      if (entryFp === fp) return { verdict: 'match' };
      if (type === keyTypeOf(blob)) expected.push(entryFp);
    }
  }
  return expected.length > 0 ? { verdict: 'mismatch', expected } : { verdict: 'unknown' };
}

/** The refusal for a verdict other than "match". */
export function hostKeyError(verdict: HostKeyVerdict, fingerprint: string, where: string): CoreError {
  if (verdict.verdict === 'mismatch') {
    return new CoreError(
      'HOST_KEY_MISMATCH',
      `The SSH host key of ${where} is ${fingerprint}, not the expected ${verdict.expected.join(' or ') || '(revoked)'}. Nothing was sent. The node may have been reinstalled — or someone is in between: check the key on the node's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) before trusting it.`,
      { host: where, fingerprint, expected: verdict.expected },
    );
  }
  return new CoreError(
    'HOST_KEY_UNKNOWN',
    `The SSH host key of ${where} (${fingerprint}) is not known. Nothing was sent. Check it on the node's console, then pass --host-key ${fingerprint} or add it to known_hosts.`,
    { host: where, fingerprint },
  );
}

/** Reads a server's host key without authenticating (for confirm-on-first-contact). */
export async function readHostKey(
  host: string,
  port = 22,
  timeoutMs = 10_000,
  signal?: AbortSignal,
): Promise<{ fingerprint: string; keyType: string; knownHostsLine: string }> {
  if (signal?.aborted) throw cancelled();
  return new Promise((resolve, reject) => {
    const client = new Client();
    let found: Buffer | undefined;
    const abort = () => {
      client.destroy();
      reject(cancelled());
    };
    signal?.addEventListener('abort', abort, { once: true });
    client.on('close', () => signal?.removeEventListener('abort', abort));
    client.on('error', (e) => {
      if (found || signal?.aborted) return;
      reject(classifySshError(e, `${host}:${port}`));
    });
    client.connect({
      host,
      port,
      readyTimeout: timeoutMs,
      username: 'posture-stage-probe',
      hostVerifier: (key: Buffer) => {
        found = Buffer.from(key);
        const keyType = keyTypeOf(found);
        const label = port === 22 ? host : `[${host}]:${port}`;
        resolve({ fingerprint: sshFingerprint(found), keyType, knownHostsLine: `${label} ${keyType} ${found.toString('base64')}` });
        return false; // stop here: nothing is authenticated or sent
      },
    });
  });
}
