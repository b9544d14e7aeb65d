/**
 * The CLI's credential flags (interfaces.md `push`/`diff`: --token-file, --identity, --password-env, …)
 * turned into a NodeTarget with its secrets in memory, so the node client itself never reads a file.
 */
import { readFile } from 'node:fs/promises';
import { CoreError } from '../errors.js';
import { fileError, isPermissionError, permissionDenied } from '../file-errors.js';
import { displayOf, parseTarget, type NodeAddress, type NodeTarget } from './target.js';
import type { PushTarget } from './push.js';

/** The credential and trust flags a command was given; each applies to the targets of its kind. */
export interface TargetFlags {
  /** file holding the bearer token (--token-file) */
  tokenFile?: string;
  /** the bearer token itself */
  token?: string;
  fingerprint?: string;
  ca?: string[];
  /** private key file (--identity) */
  identity?: string;
  /** the private key itself (OpenSSH/PEM text) */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** name of the env var holding the SSH password (--password-env) */
  passwordEnv?: string;
  /** the SSH password itself (the CLI fills it from --password-env or a prompt) */
  password?: string;
  hostKey?: string;
  knownHosts?: string[];
  remoteCommand?: string;
}

/** The bearer token: `token` when given, else the first line of `tokenFile`. */
async function resolveToken(flags: { token?: string; tokenFile?: string }): Promise<string> {
  if (flags.token !== undefined) return flags.token;
  const file = flags.tokenFile;
  if (!file) throw new CoreError('USAGE', 'HTTPS targets need --token-file FILE (the token `agent init` wrote on the node).');
  try {
    const token = (await readFile(file, 'utf8')).trim().split('\n')[0]?.trim() ?? '';
    if (!token) throw new Error('empty');
    return token;
  } catch (e) {
    if (isPermissionError(e)) throw permissionDenied(file, 'The token file', 'read', e);
    throw new CoreError(
      'NOT_FOUND',
      `Cannot read a token from ${file}. Copy the token file \`agent init\` wrote on the node (<store>/token) to this computer and give its path with --token-file.`,
      { file },
    );
  }
}

/** Resolves the SSH password from `password` or the env var named by `passwordEnv`. */
export function passwordFrom(flags: { password?: string; passwordEnv?: string }): string | undefined {
  if (flags.password !== undefined) return flags.password;
  if (!flags.passwordEnv) return undefined;
  const value = process.env[flags.passwordEnv];
  if (value === undefined) throw new CoreError('USAGE', `--password-env ${flags.passwordEnv}: that environment variable is not set.`);
  return value;
}

/** The node at `address` with the secrets the flags name, read into memory now. */
async function resolveTarget(address: NodeAddress, flags: TargetFlags): Promise<NodeTarget> {
  if (address.kind === 'https') {
    return {
      ...address,
      token: await resolveToken(flags),
      ...(flags.fingerprint ? { fingerprint: flags.fingerprint } : {}),
      ...(flags.ca ? { ca: flags.ca } : {}),
    };
  }
  let privateKey = flags.privateKey;
  if (privateKey === undefined && flags.identity) {
    try {
      privateKey = await readFile(flags.identity);
    } catch (e) {
      throw fileError(
        e,
        flags.identity,
        'The SSH key',
        () => new CoreError('NOT_FOUND', `Cannot read the SSH key ${flags.identity}.`, { file: flags.identity }),
      );
    }
  }
  const password = passwordFrom(flags);
  // callers without a prompt (e.g. `diff sftp://…`) can hand the passphrase over in the environment
  const passphrase = flags.passphrase ?? process.env.POSTURE_STAGE_KEY_PASSPHRASE;
  return {
    ...address,
    ...(flags.hostKey ? { hostKey: flags.hostKey } : {}),
    ...(flags.knownHosts ? { knownHosts: flags.knownHosts } : {}),
    ...(privateKey !== undefined ? { privateKey } : {}),
    ...(privateKey !== undefined && passphrase !== undefined ? { passphrase } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(flags.remoteCommand ? { remoteCommand: flags.remoteCommand } : {}),
  };
}

/** The node a `--to`/OLD URL names, with the flags' secrets in memory. */
export function nodeFromUrl(url: string, flags: TargetFlags): Promise<NodeTarget> {
  return resolveTarget(parseTarget(url), flags);
}

/**
 * `push --to URL…` as push targets: a bad URL is a USAGE error now, before anything is checked or sent;
 * a secret that cannot be read (a missing token file) fails only the targets that need it.
 */
export function pushTargets(urls: string[], flags: TargetFlags): PushTarget[] {
  return urls.map((url) => {
    const address = parseTarget(url);
    return { id: displayOf(address), node: () => resolveTarget(address, flags) };
  });
}
