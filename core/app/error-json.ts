/**
 * Anything thrown, as the `{code, message, details}` that crosses the app's boundary: used by the call gate
 * (dispatch.ts) and by the jobs that outlive a call (jobs.ts).
 */
import { ZodError } from 'zod';
import { CoreError, toCoreError, type ErrorJSON } from '../errors.js';

/** Turns anything thrown into the `{code, message, details}` that crosses the boundary. */
export function errorToJSON(e: unknown): ErrorJSON {
  if (e instanceof ZodError) {
    // every method takes one argument object: name the field ("port"), not its place in the argument list ("0.port")
    const issues = e.issues.map((i) => ({ path: (i.path[0] === 0 ? i.path.slice(1) : i.path).join('.'), message: i.message }));
    const first = issues[0];
    return new CoreError(
      'USAGE',
      `The request was refused: ${first ? `${first.path || 'argument'}: ${first.message}` : 'bad arguments'}. Correct the field and try again.`,
      { issues },
    ).toJSON();
  }
  const error = toCoreError(e);
  if (error.code === 'INTERNAL') console.error('[posture-stage] internal error:', e);
  return error.toJSON();
}
