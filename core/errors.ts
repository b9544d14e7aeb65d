/**
 * One error type for the whole product. Codes are a closed union taken from
 * ../shared/spec/bundle-format.md ("Error codes") and ../shared/spec/interfaces.md ("Transfer error codes").
 * Errors are data: they cross IPC, HTTP and the CLI's --json as {code, message, details}.
 * What each code means to the CLI (exit code), the agent (HTTP status) and the app (title, next step):
 * ./error-catalogue.ts.
 */

/** Refusals of a bundle (bundle-format.md). */
export const BUNDLE_CODES = [
  'NOT_A_ZIP',
  'ZIP_CORRUPT',
  'ZIP_UNSUPPORTED',
  'ZIP_UNSAFE_PATH',
  'ZIP_LIMIT',
  'DUPLICATE_ENTRY',
  'MANIFEST_MISSING',
  'MANIFEST_INVALID',
  'COMPONENT_MISSING',
  'ENTRY_MISSING',
  'CHECKSUM_MISMATCH',
  'LENGTH_MISMATCH',
  'PAYLOAD_INVALID',
  'VERSION_MISMATCH',
] as const;

/** Refusals on the node side (bundle-format.md). */
export const NODE_CODES = ['DOWNGRADE_REFUSED', 'APPLY_BUSY', 'UNAUTHORIZED', 'TOO_LARGE', 'STORE_CORRUPT'] as const;

/** Transfer failures (interfaces.md). */
export const TRANSFER_CODES = [
  'HOST_KEY_MISMATCH',
  'HOST_KEY_UNKNOWN',
  'TLS_UNTRUSTED',
  'FINGERPRINT_MISMATCH',
  'AUTH_FAILED',
  'UNREACHABLE',
  'REMOTE_CHECKSUM_MISMATCH',
  'TRANSFER_INTERRUPTED',
] as const;

/** Our own additions (allowed by interfaces.md: "Add freely"). */
const PRODUCT_CODES = [
  'USAGE', // bad flags or arguments → exit 1
  'NOT_FOUND', // a file, library entry or store that does not exist
  'PERMISSION_DENIED', // a file or folder that exists but the OS refuses to read or write (EACCES, EPERM) → exit 2, HTTP 403
  'SIGNATURE_INVALID', // a transfer manifest whose signature or hashes do not verify
  'CUSTODY_REQUIRED', // a node with trusted signers got a bundle without a signed transfer manifest
  'REPLAYED_MANIFEST', // a signed transfer manifest older than the newest one already accepted
  'NOTHING_TO_ROLL_BACK',
  'LIBRARY_DAMAGED', // a library copy whose bytes no longer match the SHA-256 it was stored under → exit 2
  'CANCELLED',
  'FEED_INVALID', // the update feed is not a well-formed Atom feed (or holds a DTD): exit 3, the download failed
  'INTERNAL', // a bug: exit 1
] as const;

type BundleErrorCode = (typeof BUNDLE_CODES)[number];
type NodeErrorCode = (typeof NODE_CODES)[number];
type TransferErrorCode = (typeof TRANSFER_CODES)[number];
type ProductErrorCode = (typeof PRODUCT_CODES)[number];
export type ErrorCode = BundleErrorCode | NodeErrorCode | TransferErrorCode | ProductErrorCode;

export const ALL_CODES: readonly ErrorCode[] = [...BUNDLE_CODES, ...NODE_CODES, ...TRANSFER_CODES, ...PRODUCT_CODES];

/** Warnings never refuse anything; they are listed by inspect and shown in the UI. */
export type WarningCode = 'UNLISTED_ENTRY' | 'UNKNOWN_LAYOUT' | 'STALE_BUNDLE';
export interface Warning {
  code: WarningCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ErrorDetails = Record<string, unknown>;

/** The serialised form that crosses every boundary (IPC, HTTP, --json). */
export interface ErrorJSON {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

export class CoreError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CoreError';
    this.code = code;
    this.details = details;
  }

  toJSON(): ErrorJSON {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }

  static is(e: unknown, code?: ErrorCode): e is CoreError {
    return e instanceof CoreError && (code === undefined || e.code === code);
  }

  /** Rebuilds an error that crossed a boundary as JSON (IPC, HTTP). */
  static fromJSON(json: ErrorJSON): CoreError {
    return new CoreError(json.code, json.message, json.details ?? {});
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ALL_CODES as readonly string[]).includes(value);
}

/** Wraps anything thrown into a CoreError; non-CoreErrors are bugs and become INTERNAL. */
export function toCoreError(e: unknown): CoreError {
  if (e instanceof CoreError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new CoreError(
    'INTERNAL',
    `Internal error: ${message}. This is a bug in Posture Stage; please report it with the command you ran.`,
    {},
    { cause: e },
  );
}
