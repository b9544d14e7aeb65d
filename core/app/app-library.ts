/**
 * The library as the app uses it: the same core library, with a damaged copy reported in the app's words
 * (issue 12 §3/§5) — what happened and what to do on the Library screen, not the CLI command to run.
 */
import { CoreError } from '../errors.js';
import type { BundleLibrary } from '../library/index.js';

/** The app's message for a copy whose bytes no longer match its SHA-256 (`details` as the library gave them). */
export function damagedInWords(e: CoreError, name: string | undefined): CoreError {
  const d = e.details;
  const what =
    d.actual === 'missing'
      ? 'its file is missing from the library folder'
      : `its bytes changed on disk after it was checked (SHA-256 ${String(d.actual)} instead of ${String(d.sha256)})`;
  return new CoreError(
    'LIBRARY_DAMAGED',
    `The library copy of ${name ?? 'this bundle'} is damaged: ${what}, so it is not used. Import or fetch the bundle again (that replaces the copy), or delete it from the Library.`,
    d,
  );
}

/** `library` with every re-hash failure (get, verify) in the app's words. */
export function appLibrary(library: BundleLibrary): BundleLibrary {
  const get = library.get.bind(library);
  const verify = library.verify.bind(library);
  const lookup = library.lookup.bind(library);
  return Object.assign(library, {
    get: (...args: Parameters<BundleLibrary['get']>) =>
      get(...args).catch(async (e: unknown) => {
        if (!CoreError.is(e, 'LIBRARY_DAMAGED')) throw e;
        throw damagedInWords(e, (await lookup(args[0]).catch(() => null))?.name);
      }),
    verify: (...args: Parameters<BundleLibrary['verify']>) =>
      verify(...args).catch((e: unknown) => {
        throw CoreError.is(e, 'LIBRARY_DAMAGED') ? damagedInWords(e, args[0].name) : e;
      }),
  });
}
