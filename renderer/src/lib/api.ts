/**
 * The renderer's only way out: the contract's methods over Electron IPC (window.api from the
 * preload) or, in a browser opened by `posture-stage ui`, over HTTP to the same handlers.
 * Answers arrive as envelopes; errors become ApiError with the core's {code, message, details}.
 */
import type { Api, Envelope, Method } from '../../../core/app/contract';
import type { ErrorJSON } from '../../../core/errors';

/** An error the core reported: code, plain-language message, structured details. */
export class ApiError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(json: ErrorJSON) {
    super(json.message);
    this.code = json.code;
    this.details = json.details ?? {};
  }
  toJSON(): ErrorJSON {
    return { code: this.code as ErrorJSON['code'], message: this.message, details: this.details };
  }
}

type Transport = (method: Method, args: unknown[]) => Promise<Envelope>;

declare global {
  interface Window {
    api?: Record<string, (...args: unknown[]) => Promise<Envelope>>;
  }
}

const ipcTransport =
  (raw: NonNullable<Window['api']>): Transport =>
  async (method, args) => {
    const fn = raw[method];
    if (!fn) return { ok: false, error: { code: 'INTERNAL', message: `The app shell has no method ${method}; restart Posture Stage.` } };
    return fn(...args);
  };

const httpTransport: Transport = async (method, args) => {
  let response: Response;
  try {
    response = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args }),
      credentials: 'same-origin',
    });
  } catch {
    return {
      ok: false,
      error: {
        code: 'UNREACHABLE',
        message: 'The Posture Stage UI host stopped answering. Check that `posture-stage ui` is still running, then reload.',
      },
    };
  }
  return (await response.json()) as Envelope;
};

/** Which shell we run in. */
export const shellKind: 'electron' | 'browser' = typeof window !== 'undefined' && window.api ? 'electron' : 'browser';

/** Builds the typed API from a transport (GitButler lite-api.ts style). */
export function createApi(transport: Transport): Api {
  return new Proxy({} as Api, {
    get:
      (_t, method: string) =>
      async (...args: unknown[]) => {
        const envelope = await transport(method as Method, args);
        if (!envelope.ok) throw new ApiError(envelope.error);
        return envelope.result;
      },
  });
}

/** The app's API instance. */
export const api: Api = createApi(typeof window !== 'undefined' && window.api ? ipcTransport(window.api) : httpTransport);

/** Any thrown value as an ErrorJSON for display. */
export function asErrorJSON(e: unknown): ErrorJSON {
  if (e instanceof ApiError) return e.toJSON();
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
