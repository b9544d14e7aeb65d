/**
 * The one gate every call passes after the transport checked who is calling (ipc.ts, ui-host.ts):
 * parse the arguments against the contract, run the handler, and serialise the answer ourselves,
 * because Electron's ipcMain.handle keeps only an Error's message (STYLE.md model 3).
 */
import { ZodError } from 'zod';
import { parseCall, type Envelope, type HandlerTable } from './contract.js';
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

/** Runs one untrusted call against the handler table; never throws. */
export async function dispatch(handlers: HandlerTable, method: unknown, args: unknown): Promise<Envelope> {
  try {
    const call = parseCall(method, args);
    const handler = handlers[call.method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, result: await handler(...call.args) };
  } catch (e) {
    return { ok: false, error: errorToJSON(e) };
  }
}
