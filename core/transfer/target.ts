/**
 * Nodes as the node client takes them: an address plus the credentials, held in memory (the CLI reads
 * them from files first — credentials.ts; the app opens them from its keychain). `parseTarget` reads the
 * CLI's `--to` URL (interfaces.md `push --to`): `https://host[:8443]` (the node agent's API) or
 * `sftp://user@host[:22]/store-path` (SFTP into the store's inbox/, then `CMD agent …` over the same SSH connection).
 */
import { CoreError } from '../errors.js';

/** A node agent's HTTPS API. */
interface HttpsAddress {
  kind: 'https';
  host: string;
  port: number;
  /** https://host:port */
  origin: string;
}

/** A node reached over SSH: its store directory and the posture-stage CLI there. */
interface SshAddress {
  kind: 'sftp';
  host: string;
  port: number;
  user: string;
  /** the store directory on the node */
  store: string;
}

export type NodeAddress = HttpsAddress | SshAddress;

/** An HTTPS node with its bearer token in memory and its certificate pin (or CA files). */
export interface HttpsTarget extends HttpsAddress {
  token: string;
  /** SHA256:… of the agent's certificate (`agent init` prints it); without it the chain is verified against `ca` + the system store */
  fingerprint?: string;
  ca?: string[];
}

/** An SSH node with its host-key pin and its login secret(s) in memory. */
export interface SshTarget extends SshAddress {
  /** SHA256:… host key; without it the known_hosts files decide */
  hostKey?: string;
  knownHosts?: string[];
  /** the private key (OpenSSH/PEM text) */
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
  /** an ssh-agent's socket (SSH_AUTH_SOCK): its keys are offered for the login, the private keys never leave it */
  agent?: string;
  /** posture-stage on the node (default "posture-stage") */
  remoteCommand?: string;
}

/** A node, ready for `openNode`: nothing about it is read from disk later. */
export type NodeTarget = HttpsTarget | SshTarget;

/** How a node is named in messages, events and results. */
export function displayOf(a: NodeAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return a.kind === 'https' ? `https://${host}:${a.port}` : `sftp://${a.user}@${host}:${a.port}${a.store}`;
}

/** Parses a `--to` value; USAGE for anything else. Passwords in URLs are refused (use --password-env). */
export function parseTarget(raw: string): NodeAddress {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CoreError('USAGE', `"${raw}" is not a target URL. Use https://host[:8443] or sftp://user@host[:22]/store-path.`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (u.password) throw new CoreError('USAGE', 'Do not put a password in the target URL; use --password-env VAR (or the prompt).');
  if (u.protocol === 'https:') {
    const port = Number(u.port || 8443);
    return { kind: 'https', host, port, origin: displayOf({ kind: 'https', host, port, origin: '' }) };
  }
  if (u.protocol === 'sftp:') {
    const user = decodeURIComponent(u.username);
    if (!user) throw new CoreError('USAGE', `The SFTP target ${raw} needs a user: sftp://user@host[:22]/store-path.`);
    const store = decodeURIComponent(u.pathname);
    if (!store || store === '/')
      throw new CoreError('USAGE', `The SFTP target ${raw} needs the store path: sftp://user@host[:22]/store-path.`);
    return { kind: 'sftp', host, port: Number(u.port || 22), user, store };
  }
  throw new CoreError('USAGE', `Unsupported target scheme ${u.protocol} in ${raw}. Use https:// or sftp://.`);
}

/** Quotes one argument for a POSIX shell (the remote command runs through the SSH user's shell). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
