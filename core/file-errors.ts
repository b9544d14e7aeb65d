/**
 * A local file or folder the OS would not let us use. "Does not exist" (NOT_FOUND) and "exists, but this
 * user may not read or write it" (PERMISSION_DENIED: EACCES, EPERM) call for different fixes, so they are
 * never one code (issue 9 §5): the permission error names the path, the user and the permission needed.
 */
import { userInfo } from 'node:os';
import { CoreError } from './errors.js';

/** What was being done to the path. */
export type Access = 'read' | 'write' | 'list';

const VERB: Record<Access, string> = { read: 'read', write: 'written', list: 'listed' };
const NEED: Record<Access, string> = {
  read: 'read permission (r) on it and search permission (x) on every folder above it',
  write: 'write permission (w) on it (on its folder while it does not exist yet) and search permission (x) on every folder above it',
  list: 'read and search permission (r, x) on it and search permission (x) on every folder above it',
};

/** The errno code of a failed file-system call (`ENOENT`, `EACCES`, …), if it has one. */
export function errnoOf(e: unknown): string | undefined {
  const code: unknown = e instanceof Error ? Reflect.get(e, 'code') : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** True when the OS refused the permission (as opposed to: the path does not exist). */
export function isPermissionError(e: unknown): boolean {
  const code = errnoOf(e);
  return code === 'EACCES' || code === 'EPERM';
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** PERMISSION_DENIED for `path` (`what` starts the sentence: "The CA file"), naming the permission needed. */
export function permissionDenied(path: string, what: string, access: Access, cause?: unknown): CoreError {
  const user = whoAmI();
  return new CoreError(
    'PERMISSION_DENIED',
    `${what} ${path} cannot be ${VERB[access]} by the user ${user} (permission denied). Give ${user} ${NEED[access]}, or run as a user who has it.`,
    { path, need: access, user, ...(errnoOf(cause) ? { errno: errnoOf(cause) } : {}) },
    { cause },
  );
}

/** The error for a path the OS refused: PERMISSION_DENIED when it was the permission, else `otherwise()` (NOT_FOUND, …). */
export function fileError(e: unknown, path: string, what: string, otherwise: () => CoreError, access: Access = 'read'): CoreError {
  return isPermissionError(e) ? permissionDenied(path, what, access, e) : otherwise();
}
