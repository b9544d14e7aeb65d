/** The reference layout required where versions are compared (diff; apply per component). The unknown layout is staged instead (bundle-format.md). */
import { CoreError } from '../errors.js';
import { MANIFEST_NAME } from './layout.js';
import type { CheckedBundle } from './options.js';

/** MANIFEST_MISSING: the unknown layout, where versions must be read (a diff, a per-component apply). */
export function manifestMissing(file: string, details: Record<string, unknown> = {}): CoreError {
  return new CoreError(
    'MANIFEST_MISSING',
    `This zip has no ${MANIFEST_NAME} at its root: its layout is not recognised (Cisco does not publish the inside of posture-offline.zip), so its versions cannot be read or compared. It can still be inspected, kept, exported and pushed — a node stages it as a verified file for upload to ISE.`,
    { file, ...details },
  );
}

/** Throws MANIFEST_MISSING for the unknown layout, where versions must be compared. */
export function requireReferenceLayout(checked: CheckedBundle): void {
  if (checked.inspection.layout !== 'reference') {
    throw manifestMissing(checked.inspection.file);
  }
}
