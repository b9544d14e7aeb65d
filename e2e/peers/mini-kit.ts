/**
 * A small node kit folder (kit.json and three x64 artifacts of made-up bytes) for tests of "Prepare a node…" and
 * `agent package --from`: the packaging path is the real one (copied while hashed, kit.json checked, SHA256SUMS,
 * INSTALL.txt, signature), without building the ~90 MB executables.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactNames, formatKitManifest, type KitArtifact } from '../../core/kit/index.js';

/** Writes the kit of `version` into `dir` (created); each artifact is `size` random bytes. */
export function writeMiniKit(dir: string, version: string, size = 256 * 1024): string {
  mkdirSync(dir, { recursive: true });
  const names = artifactNames(version, 'x64');
  const artifacts: KitArtifact[] = (['executable', 'deb', 'tar.gz'] as const).map((kind) => {
    const bytes = randomBytes(size);
    writeFileSync(join(dir, names[kind]), bytes, { mode: kind === 'executable' ? 0o755 : 0o644 });
    return { file: names[kind], arch: 'x64', kind, size, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  const manifest = { format: 1 as const, version, node: process.version, builtAt: new Date().toISOString(), buildKey: 'test', artifacts };
  writeFileSync(join(dir, 'kit.json'), formatKitManifest(manifest));
  return dir;
}
