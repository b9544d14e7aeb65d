/**
 * Push targets (interfaces.md `push --to`): `https://host[:8443]` (the node agent's API) or
 * `sftp://user@host[:22]/store-path` (upload into the store's inbox/, then `CMD agent apply`).
 */
import { CoreError } from '../errors.js';

export type Target =
  | { kind: 'https'; url: string; origin: string; host: string; port: number; display: string }
  | { kind: 'sftp'; host: string; port: number; user: string; store: string; display: string };

/** Parses a `--to` value; USAGE for anything else. Passwords in URLs are refused (use --password-env). */
export function parseTarget(raw: string): Target {
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
    const origin = `https://${u.host.includes(':') ? u.host : `${u.host}:${port}`}`;
    return { kind: 'https', url: origin, origin, host, port, display: origin };
  }
  if (u.protocol === 'sftp:') {
    const user = decodeURIComponent(u.username);
    if (!user) throw new CoreError('USAGE', `The SFTP target ${raw} needs a user: sftp://user@host[:22]/store-path.`);
    const store = decodeURIComponent(u.pathname);
    if (!store || store === '/')
      throw new CoreError('USAGE', `The SFTP target ${raw} needs the store path: sftp://user@host[:22]/store-path.`);
    const port = Number(u.port || 22);
    return { kind: 'sftp', host, port, user, store, display: `sftp://${user}@${host}:${port}${store}` };
  }
  throw new CoreError('USAGE', `Unsupported target scheme ${u.protocol} in ${raw}. Use https:// or sftp://.`);
}

/** Quotes one argument for a POSIX shell (the remote command runs through the SSH user's shell). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
