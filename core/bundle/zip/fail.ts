/**
 * The container layer's refusals, worded once so every check says what failed and what to do.
 * Codes and their meaning: ../shared/spec/bundle-format.md "Error codes".
 */
import { CoreError, type ErrorDetails } from '../../errors.js';

const REDOWNLOAD = 'Download posture-offline.zip again (or copy it again from its source) and retry.';

/** ZIP_CORRUPT: truncated, bad signature, inconsistent headers, CRC or size mismatch, bad deflate stream. */
export function corrupt(what: string, details: ErrorDetails = {}): CoreError {
  return new CoreError('ZIP_CORRUPT', `The zip is damaged or malformed: ${what}. ${REDOWNLOAD}`, details);
}

/** ZIP_UNSUPPORTED: encryption, multi-disk, a compression method other than stored/deflate. */
export function unsupported(what: string, details: ErrorDetails = {}): CoreError {
  return new CoreError(
    'ZIP_UNSUPPORTED',
    `The zip uses a feature Posture Stage does not accept: ${what}. Only single-file, unencrypted zips with stored or deflated entries are accepted; use posture-offline.zip as Cisco publishes it.`,
    details,
  );
}

/** ZIP_UNSAFE_PATH: an entry name that could escape an extraction folder or means different things to different tools. */
export function unsafePath(name: string, reason: string, details: ErrorDetails = {}): CoreError {
  return new CoreError(
    'ZIP_UNSAFE_PATH',
    `The zip contains an unsafe entry name ${JSON.stringify(name)} (${reason}). Such a zip is refused because it could write outside its folder; use the original posture-offline.zip from Cisco.`,
    { entry: name, reason, ...details },
  );
}

/** ZIP_LIMIT: entry count, entry size, total size or compression ratio over the configured limits. */
export function overLimit(what: string, details: ErrorDetails): CoreError {
  return new CoreError(
    'ZIP_LIMIT',
    `The zip exceeds a safety limit: ${what}. This is not a posture update of a plausible size (possibly a decompression bomb); check the file, or raise the limit only if you trust it.`,
    details,
  );
}

/** DUPLICATE_ENTRY: two entries that name the same file (exactly, by case/Unicode form, or file vs directory). */
export function duplicate(name: string, other: string, reason: string): CoreError {
  return new CoreError(
    'DUPLICATE_ENTRY',
    `The zip contains ${JSON.stringify(name)} twice (${reason}${other !== name ? `: also as ${JSON.stringify(other)}` : ''}), so different tools would read different content. Use the original posture-offline.zip from Cisco.`,
    { entry: name, other, reason },
  );
}

/** NOT_A_ZIP, in ISE's wording (bundle-format.md "What is public"). */
export function notAZip(detected: string, details: ErrorDetails = {}): CoreError {
  return new CoreError(
    'NOT_A_ZIP',
    `Only a single .zip archive is accepted (archive files other than .zip, such as .tar and .gz, are not supported). This file is ${detected}. Select posture-offline.zip as downloaded from Cisco.`,
    { detected, ...details },
  );
}

/** CANCELLED: the caller's AbortSignal fired (the user stopped the operation); nothing was changed. */
export function cancelled(what: string, details: ErrorDetails = {}): CoreError {
  return new CoreError('CANCELLED', `Reading ${what} was cancelled. Nothing was changed; run it again to finish.`, details);
}

/** Throws CANCELLED once `signal` fired: never the DOM's AbortError, which would surface as INTERNAL (a bug). */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string, details: ErrorDetails = {}): void {
  if (signal?.aborted) throw cancelled(what, details);
}
