/**
 * One catalogue of error codes (issue 9 §5): for every code its CLI exit code and the node agent's HTTP
 * status (both fixed by ../shared/spec/interfaces.md: exit 1 usage/internal · 2 refused · 3 network/transfer;
 * HTTP 401 unauthorized, 400 bad request, 409 busy, 413 too large, 422 bundle refused), a short title for
 * headings, and a default next step for a message that carries none. The CLI, the agent and the app all
 * read it here; a code without an entry is a compile error.
 */
import type { ErrorCode } from './errors.js';

/** What the product says and does for one error code. */
export interface ErrorInfo {
  /** CLI exit code (interfaces.md) */
  exit: 1 | 2 | 3;
  /** status of the node agent's answer carrying this code (500: never sent for bad input) */
  http: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500;
  /** a few words for a heading: what happened */
  title: string;
  /** what to do next, for a message that does not say */
  next: string;
}

const refusedBundle = (title: string, next = 'Get the bundle again from its source, check it with `posture-stage inspect`, and retry.') =>
  ({ exit: 2, http: 422, title, next }) as const;

/** Every code, keyed by code. */
export const ERROR_CATALOGUE: { readonly [C in ErrorCode]: ErrorInfo } = {
  // bundle-format.md "Error codes": the bundle is refused
  NOT_A_ZIP: refusedBundle('Not a zip archive', 'Give the single posture-offline.zip as downloaded, not a .tar, .gz or folder.'),
  ZIP_CORRUPT: refusedBundle('Damaged zip archive', 'Download the bundle again; the copy is truncated or damaged.'),
  ZIP_UNSUPPORTED: refusedBundle('Unsupported zip feature', 'Use the bundle as Cisco publishes it (no encryption, one part).'),
  ZIP_UNSAFE_PATH: refusedBundle('Unsafe path in the archive'),
  ZIP_LIMIT: refusedBundle('Archive over the size limits'),
  DUPLICATE_ENTRY: refusedBundle('Duplicate entry in the archive'),
  MANIFEST_MISSING: refusedBundle('Manifest missing'),
  MANIFEST_INVALID: refusedBundle('Manifest invalid'),
  COMPONENT_MISSING: refusedBundle('Component missing'),
  ENTRY_MISSING: refusedBundle('File missing from the bundle'),
  CHECKSUM_MISMATCH: refusedBundle(
    'Checksum mismatch',
    'Download the bundle again: its bytes are not the ones its manifest or source names.',
  ),
  LENGTH_MISMATCH: refusedBundle('Length mismatch'),
  PAYLOAD_INVALID: refusedBundle('Payload invalid'),
  VERSION_MISMATCH: refusedBundle('Version mismatch'),
  // node side (bundle-format.md)
  DOWNGRADE_REFUSED: {
    exit: 2,
    http: 422,
    title: 'Downgrade refused',
    next: 'Apply a newer bundle, or allow the downgrade on purpose (--allow-downgrade).',
  },
  APPLY_BUSY: {
    exit: 2,
    http: 409,
    title: 'Node busy',
    next: 'Wait for the running apply or rollback to finish (see `agent status`), then try again.',
  },
  UNAUTHORIZED: { exit: 2, http: 401, title: 'Not signed in', next: "Send the node's API token (`Authorization: Bearer …`)." },
  TOO_LARGE: {
    exit: 2,
    http: 413,
    title: 'Upload too large',
    next: 'Check that this is the posture bundle; the node refuses uploads over its size limit.',
  },
  STORE_CORRUPT: {
    exit: 2,
    http: 500,
    title: 'Store damaged',
    next: 'Restore the named file or store from a backup, or move it aside to start afresh.',
  },
  // interfaces.md "Transfer error codes"
  HOST_KEY_MISMATCH: {
    exit: 2,
    http: 500,
    title: 'Host key changed',
    next: "Nothing was sent. Confirm the node's SSH host key with its admin before pinning the new one.",
  },
  HOST_KEY_UNKNOWN: {
    exit: 2,
    http: 500,
    title: 'Host key unknown',
    next: "Pin the node's SSH host key (--host-key SHA256:…) after checking it with its admin.",
  },
  TLS_UNTRUSTED: {
    exit: 2,
    http: 500,
    title: 'Certificate not trusted',
    next: "Pin the node's certificate fingerprint (--fingerprint) or give the CA (--ca).",
  },
  FINGERPRINT_MISMATCH: {
    exit: 2,
    http: 500,
    title: 'Certificate changed',
    next: "Nothing was sent. Confirm the node's certificate fingerprint with its admin before pinning the new one.",
  },
  AUTH_FAILED: { exit: 2, http: 500, title: 'Sign-in refused', next: 'Check the token, key or password for this node.' },
  UNREACHABLE: { exit: 3, http: 500, title: 'Unreachable', next: 'Check the address, the network path and any proxy, then try again.' },
  REMOTE_CHECKSUM_MISMATCH: {
    exit: 2,
    http: 400,
    title: 'Upload damaged in transit',
    next: 'Push again; nothing was applied from the damaged copy.',
  },
  TRANSFER_INTERRUPTED: {
    exit: 3,
    http: 400,
    title: 'Transfer cut',
    next: 'Push again; an interrupted upload is resumed or started over.',
  },
  // our own (interfaces.md: "Add freely")
  USAGE: { exit: 1, http: 400, title: 'Invalid request', next: 'Check the command and its flags (`--help`).' },
  NOT_FOUND: { exit: 2, http: 404, title: 'Not found', next: 'Check the name or path and try again.' },
  PERMISSION_DENIED: {
    exit: 2,
    http: 403,
    title: 'Permission denied',
    next: 'Run as the user that owns the file, or give that user the permission named in the message.',
  },
  SIGNATURE_INVALID: {
    exit: 2,
    http: 422,
    title: 'Signature invalid',
    next: 'Export the bundle again with `library export --key` and carry the manifest and its .sig together.',
  },
  CUSTODY_REQUIRED: {
    exit: 2,
    http: 422,
    title: 'Signed manifest required',
    next: 'Send the bundle with the transfer manifest `library export` signed for it.',
  },
  REPLAYED_MANIFEST: {
    exit: 2,
    http: 422,
    title: 'Older manifest refused',
    next: 'Use the newest export from that signer, or allow the replay on purpose (--allow-replay).',
  },
  NOTHING_TO_ROLL_BACK: { exit: 2, http: 409, title: 'Nothing to roll back', next: 'See `agent states` for the states kept on the node.' },
  LIBRARY_DAMAGED: {
    exit: 2,
    http: 500,
    title: 'Library copy damaged',
    next: 'Import or fetch the bundle again; the damaged copy is never used.',
  },
  CANCELLED: { exit: 3, http: 500, title: 'Cancelled', next: 'Start it again when ready.' },
  FEED_INVALID: {
    exit: 3,
    http: 500,
    title: 'Update feed unreadable',
    next: 'Check the feed URL and the proxy in between (a login page or an inspecting proxy may answer instead), then try again.',
  },
  INTERNAL: { exit: 1, http: 500, title: 'Internal error', next: 'This is a bug in Posture Stage; please report it with what you ran.' },
};

/**
 * The catalogue entry of `code`.
 * @public for the app's error headings (title, next step), which issue 9's renderer work builds on
 */
export function errorInfo(code: ErrorCode): ErrorInfo {
  return ERROR_CATALOGUE[code];
}

/** CLI exit code for an error (interfaces.md: 1 usage/internal · 2 refused · 3 network/transfer). */
export function exitCodeFor(code: ErrorCode): 1 | 2 | 3 {
  return ERROR_CATALOGUE[code].exit;
}

/**
 * True when the code means the input was refused (exit 2: a bad bundle, a refused key or signature, …);
 * false for a failure to carry it out (network, cancel, usage, bug). History and activity record
 * `refused` or `failed` by it.
 */
export function isRefusal(code: ErrorCode): boolean {
  return ERROR_CATALOGUE[code].exit === 2;
}

/** HTTP status of the node agent's error answer (interfaces.md: 401, 400, 409, 413, 422). */
export function httpStatusFor(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].http;
}

/** `message`, or the catalogue's title and next step when there is none (an answer from another version, …). */
export function messageFor(code: ErrorCode, message?: string): string {
  if (message?.trim()) return message;
  const { title, next } = ERROR_CATALOGUE[code];
  return `${title}. ${next}`;
}
