/**
 * The node kit (issue 13): one self-contained `posture-stage` executable per CPU, a .deb and a .tar.gz
 * with the systemd service, SHA256SUMS (+ SSHSIG) and INSTALL.txt, for hosts with no Node.js and no
 * network. Built from source by `npm run dist:agent` (build/kit); written to media by `packageAgentKit`.
 */
export { packageAgentKit, finishKit, loadKitKey, INSTALL_FILE, type PackagedFile, type KitProgress } from './package.js';
export { readKitManifest, formatKitManifest, artifactNames, KIT_ARCHES } from './manifest.js';
export type { KitArch, KitArtifact, KitManifest } from './manifest.js';
export { formatSums, parseSums, KIT_SIG_NAMESPACE } from './sums.js';
export { installText } from './install-text.js';
export { findSourceRoot, CLONE_KIT_DIR } from './source.js';
