/** The reference layout required (bundle-format.md: push and agent apply refuse the unknown layout). */
import { CoreError } from '../errors.js';
import { MANIFEST_NAME } from './layout.js';
import type { CheckedBundle } from './options.js';

/** MANIFEST_MISSING: the unknown layout, refused where a bundle must be applicable (bundle-format.md: push, agent apply). */
export function manifestMissing(file: string, details: Record<string, unknown> = {}): CoreError {
  return new CoreError(
    'MANIFEST_MISSING',
    `This zip has no ${MANIFEST_NAME} at its root, so it is not a posture update bundle that can be applied. Download posture-offline.zip again from Cisco or use a bundle made by \`posture-stage sample\`.`,
    { file, ...details },
  );
}

/** Throws MANIFEST_MISSING for the unknown layout (bundle-format.md: push and agent apply refuse it). */
export function requireReferenceLayout(checked: CheckedBundle): void {
  if (checked.inspection.layout !== 'reference') {
    throw manifestMissing(checked.inspection.file);
  }
}
