/**
 * Where the bundle-check worker (./isolated-worker.ts) comes from: the built file beside this module
 * (npm install; the tests use the built copy), or — in the single executable, which has no files beside
 * it — its bundled source, which build/kit/bundle.ts puts in place of this module.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CoreError } from '../errors.js';

/** A worker script as `new Worker` takes it: a file, or code run with `eval: true`. */
export type WorkerScript = { kind: 'file'; file: string } | { kind: 'source'; code: string };

/** The bundle-check worker script for this installation. */
export function workerScript(): WorkerScript {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return { kind: 'file', file: fileURLToPath(new URL('./isolated-worker.js', import.meta.url)) };
  const built = fileURLToPath(new URL('../../build/dist/core/bundle/isolated-worker.js', import.meta.url));
  if (!existsSync(built))
    throw new CoreError('INTERNAL', `The bundle check worker is not built (${built}); run \`npm run build:core\` first.`);
  return { kind: 'file', file: built };
}
