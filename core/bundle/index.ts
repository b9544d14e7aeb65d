/**
 * The bundle core's public API: read · check · inspect · diff · write.
 * Spec: ../shared/spec/bundle-format.md. Pure functions over bytes; no sockets, no electron, no DOM.
 * A barrel only: every name is defined in a module beside it, and no module here imports this file.
 */
export * from './types.js';
export * from './options.js';
export { compareVersions } from './versions.js';
export { checkBundle, inspectBundle } from './check.js';
export { checkIsolated } from './isolated.js';
export { diffBundles, diffAgainstState } from './diff.js';
export { writeBundle } from './write.js';
export { writeBundleFile } from './sample/stream.js';
export { payloadFilePath } from './payload-files.js';
export { staleWarnings } from './stale.js';
