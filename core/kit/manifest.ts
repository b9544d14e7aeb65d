/**
 * `kit.json`: what a node kit holds (written by `npm run dist:agent`, read back by `agent package`).
 * A kit arrives on removable media, so this is a trust boundary: parsed, never cast; file names are
 * plain names inside the kit folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { fileError } from '../file-errors.js';

export const KIT_MANIFEST = 'kit.json';
export const KIT_ARCHES = ['x64', 'arm64'] as const;
/** Node's name for the CPU (`process.arch`); the .deb says amd64/arm64. */
export type KitArch = (typeof KIT_ARCHES)[number];
export type KitArtifactKind = 'executable' | 'deb' | 'tar.gz';

const fileName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'a plain file name');

const artifactSchema = z.object({
  file: fileName,
  arch: z.enum(KIT_ARCHES),
  kind: z.enum(['executable', 'deb', 'tar.gz']),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const manifestSchema = z.object({
  format: z.literal(1),
  /** the product version inside every artifact (`posture-stage --version`) */
  version: z.string().regex(/^[0-9][A-Za-z0-9.+~-]{0,63}$/),
  /** the Node.js version the executables are made of */
  node: z.string().max(32),
  builtAt: z.string().max(40),
  /** identifies the sources and tools a build came from; equal keys ⇒ the same artifacts */
  buildKey: z.string().max(128),
  artifacts: z.array(artifactSchema).min(1).max(24),
});

export type KitArtifact = z.infer<typeof artifactSchema>;
export type KitManifest = z.infer<typeof manifestSchema>;

/** Reads and checks `DIR/kit.json`; NOT_FOUND when DIR holds no kit, SIGNATURE_INVALID when it is malformed. */
export async function readKitManifest(dir: string): Promise<KitManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, KIT_MANIFEST), 'utf8');
  } catch (e) {
    throw fileError(
      e,
      join(dir, KIT_MANIFEST),
      'The kit description',
      () => new CoreError('NOT_FOUND', `${dir} holds no node kit (no ${KIT_MANIFEST}). Build one with \`npm run dist:agent\`.`, { dir }),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.length > 65536 ? '' : text);
  } catch {
    parsed = undefined;
  }
  const r = manifestSchema.safeParse(parsed);
  if (!r.success)
    throw new CoreError(
      'SIGNATURE_INVALID',
      `${join(dir, KIT_MANIFEST)} is not a valid kit description. Copy the kit again from its source.`,
      {
        dir,
        problem: r.error.issues[0]?.message ?? 'unreadable',
      },
    );
  return r.data;
}

/** The manifest as written into a kit folder. */
export function formatKitManifest(m: KitManifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** File names of the artifacts for one CPU, as the builder names them. */
export function artifactNames(version: string, arch: KitArch): Record<KitArtifactKind, string> {
  const debArch = arch === 'x64' ? 'amd64' : 'arm64';
  return {
    executable: `posture-stage-${version}-linux-${arch}`,
    deb: `posture-stage_${version}_${debArch}.deb`,
    'tar.gz': `posture-stage-${version}-linux-${arch}.tar.gz`,
  };
}
