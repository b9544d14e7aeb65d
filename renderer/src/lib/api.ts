/**
 * The renderer's only way out: the contract's methods over Electron IPC (window.api from the
 * preload) or, in a browser opened by `posture-stage ui`, over HTTP to the same handlers; and the
 * app's pushed events (IPC events, or Server-Sent Events on /api/events).
 * Answers arrive as envelopes; errors become ApiError with the core's {code, message, details}.
 * A call given an `Op` after its argument is an operation: cancellable, its progress arriving as events.
 */
import type { Api, AppEvent, CallTag, Envelope, Method } from '../../../core/app/contract';
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

/** Names one call so its progress can be followed and it can be cancelled (contract.ts CallTag). */
export class Op implements CallTag {
  readonly op: string = crypto.randomUUID().replaceAll('-', '');
}

type Transport = (method: Method, args: unknown[], op: string | undefined) => Promise<Envelope>;

/** What the preload exposes: one function per method, and the event subscription. */
type RawApi = Record<string, (args: unknown[], op?: string) => Promise<Envelope>> & {
  onEvent?: (listener: (event: AppEvent) => void) => () => void;
};

declare global {
  interface Window {
    api?: RawApi;
  }
}

const ipcTransport =
  (raw: RawApi): Transport =>
  async (method, args, op) => {
    const fn = raw[method];
    if (typeof fn !== 'function')
      return { ok: false, error: { code: 'INTERNAL', message: `The app shell has no method ${method}; restart Posture Stage.` } };
    return fn(args, op);
  };

const httpTransport: Transport = async (method, args, op) => {
  let response: Response;
  try {
    response = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(op ? { args, op } : { args }),
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

const shellApi = typeof window !== 'undefined' ? window.api : undefined;

/** Builds the typed API from a transport (GitButler lite-api.ts style); a trailing Op tags the call. */
function createApi(transport: Transport): Api {
  return new Proxy({} as Api, {
    get:
      (_t, method: string) =>
      async (...args: unknown[]) => {
        const last = args.at(-1);
        const op = last instanceof Op ? last.op : undefined;
        const envelope = await transport(method as Method, op ? args.slice(0, -1) : args, op);
        if (!envelope.ok) throw new ApiError(envelope.error);
        return envelope.result;
      },
  });
}

/** The app's API instance. */
export const api: Api = createApi(shellApi ? ipcTransport(shellApi) : httpTransport);

/** Any thrown value as an ErrorJSON for display. */
export function asErrorJSON(e: unknown): ErrorJSON {
  if (e instanceof ApiError) return e.toJSON();
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** What a subscriber hears: an event, or that the stream came back after a gap (re-read what you follow). */
export type StreamNews = { kind: 'event'; event: AppEvent } | { kind: 'reconnected' };

/**
 * Opens the app's event stream (once per page) and calls `listener` with each event until the returned
 * function is called. In the browser a dropped stream reconnects by itself and says so.
 */
export function openEvents(listener: (news: StreamNews) => void): () => void {
  if (shellApi?.onEvent) return shellApi.onEvent((event) => listener({ kind: 'event', event }));
  if (typeof EventSource === 'undefined') return () => undefined;
  const source = new EventSource('/api/events');
  let dropped = false;
  source.onmessage = (m: MessageEvent<string>) => {
    const event = JSON.parse(m.data) as AppEvent;
    if (event?.type === 'job') listener({ kind: 'event', event });
  };
  source.onerror = () => (dropped = true);
  source.onopen = () => {
    if (dropped) listener({ kind: 'reconnected' });
    dropped = false;
  };
  return () => source.close();
}
