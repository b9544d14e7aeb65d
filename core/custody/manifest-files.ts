/**
 * Where `library export` puts the signed transfer manifest beside the bundle: `<bundle>.transfer.json` and its
 * SSHSIG signature `<bundle>.transfer.json.sig`. Shared by the library (export/import) and the node (custody).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../errors.js';
import { fileError } from '../file-errors.js';

export const MANIFEST_SUFFIX = '.transfer.json';

/** Finds the single transfer manifest in `dir` (or `dir` is the manifest itself). */
export async function findManifest(dir: string): Promise<string> {
  if (dir.endsWith(MANIFEST_SUFFIX)) return dir;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw fileError(
      e,
      dir,
      'The folder',
      () => new CoreError('NOT_FOUND', `Cannot read ${dir}. Give the folder that \`library export\` wrote.`, { dir }),
      'list',
    );
  }
  const found = names.filter((n) => n.endsWith(MANIFEST_SUFFIX));
  if (found.length !== 1 || !found[0]) {
    throw new CoreError(
      found.length === 0 ? 'NOT_FOUND' : 'USAGE',
      found.length === 0 ? `No *${MANIFEST_SUFFIX} in ${dir}.` : `Several transfer manifests in ${dir}; give the manifest file itself.`,
      { dir, manifests: found },
    );
  }
  return join(dir, found[0]);
}
