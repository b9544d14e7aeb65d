/**
 * The IPC gate with the electron module faked only at its edge (an ipcMain that records the handler,
 * events carrying a senderFrame): calls from other frames are refused, arguments are parsed, and
 * errors cross as {code, message, details}.
 */
import { describe, expect, it } from 'vitest';
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { API_CHANNEL, EVENT_CHANNEL, SUBSCRIBE_CHANNEL, registerIpc } from './ipc.js';
import type { AppEvent, CallContext, Envelope, HandlerTable } from '../../core/app/contract.js';
import { CoreError } from '../../core/errors.js';
import { JobRegistry } from '../../core/app/jobs.js';
import type { Backend } from '../../core/app/dispatch.js';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<Envelope>;
type Listener = (event: IpcMainEvent) => void;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Listener>();
  return {
    handlers,
    listeners,
    handle: (channel: string, fn: Handler) => void handlers.set(channel, fn),
    removeHandler: (channel: string) => void handlers.delete(channel),
    on: (channel: string, fn: Listener) => void listeners.set(channel, fn),
    removeListener: (channel: string) => void listeners.delete(channel),
  };
}

const event = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;

/** A window's web contents as main sees it: what it was sent, where its main frame is, whether it is gone. */
function fakeContents(url = 'app://renderer/index.html') {
  const sent: Array<{ channel: string; event: AppEvent }> = [];
  let onDestroyed = () => {};
  const contents = {
    sent,
    destroyed: false,
    mainFrame: { url, parent: null },
    send: (channel: string, e: AppEvent) => void sent.push({ channel, event: e }),
    isDestroyed: () => contents.destroyed,
    once: (_name: string, fn: () => void) => {
      onDestroyed = fn;
      return contents;
    },
    destroy: () => {
      contents.destroyed = true;
      onDestroyed();
    },
  };
  return contents;
}

const subscribeEvent = (contents: ReturnType<typeof fakeContents>, frameUrl = contents.mainFrame.url, parent: unknown = null) =>
  ({ sender: contents, senderFrame: { url: frameUrl, parent } }) as unknown as IpcMainEvent;

const table = {
  inspectBundle: async ({ sha256 }: { sha256: string }) => {
    throw new CoreError('NOT_FOUND', `No bundle ${sha256} in the library.`, { sha256 });
  },
  listTargets: async () => [],
  // a long call: reports a step, then waits for its cancel
  testTarget: async (_arg: unknown, call: CallContext) => {
    call.step({ step: 'dns', state: 'done', message: 'resolves' });
    await new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason as Error)));
    return { ok: true, steps: [] };
  },
  cancelJob: async ({ jobId }: { jobId: string }) => jobs.cancel(jobId),
} as unknown as HandlerTable;
const jobs = new JobRegistry();
const backend: Backend = { handlers: table, jobs };

describe('registerIpc', () => {
  const ipc = fakeIpcMain();
  registerIpc(ipc as never, backend);
  const call = (e: IpcMainInvokeEvent, method: unknown, args: unknown, op?: unknown) => ipc.handlers.get(API_CHANNEL)!(e, method, args, op);

  it('answers our main frame on app://renderer', async () => {
    expect(await call(event('app://renderer/index.html'), 'listTargets', [])).toEqual({ ok: true, result: [] });
  });

  it('refuses a sub-frame, another origin and file://', async () => {
    for (const e of [
      event('app://renderer/index.html', {}),
      event('https://evil.example/'),
      event('file:///etc/passwd'),
      event('app://other/'),
    ]) {
      const r = await call(e, 'listTargets', []);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('parses arguments against the contract before any handler runs', async () => {
    const r = await call(event('app://renderer/'), 'inspectBundle', [{ sha256: '../../etc/passwd' }]);
    expect(!r.ok && r.error.code).toBe('USAGE');
    expect(!r.ok && r.error.message).toContain('sha256');
    // named as the form field, not as "0.sha256" (every method takes one argument object)
    expect(!r.ok && r.error.message).toMatch(/refused: sha256: /);
    const unknown = await call(event('app://renderer/'), 'constructor', []);
    expect(!unknown.ok && unknown.error.code).toBe('USAGE');
  });

  it("carries a CoreError's code and details, not just its message", async () => {
    const sha = 'a'.repeat(64);
    const r = await call(event('app://renderer/'), 'inspectBundle', [{ sha256: sha }]);
    expect(r).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: `No bundle ${sha} in the library.`, details: { sha256: sha } } });
  });

  it('unregisters', () => {
    const local = fakeIpcMain();
    const off = registerIpc(local as never, { handlers: table, jobs: new JobRegistry() });
    expect(local.handlers.has(API_CHANNEL)).toBe(true);
    expect(local.listeners.has(SUBSCRIBE_CHANNEL)).toBe(true);
    off();
    expect(local.handlers.has(API_CHANNEL)).toBe(false);
    expect(local.listeners.has(SUBSCRIBE_CHANNEL)).toBe(false);
  });

  describe('the event channel', () => {
    const subscribe = (e: IpcMainEvent) => ipc.listeners.get(SUBSCRIBE_CHANNEL)!(e);
    const jobEvents = (c: ReturnType<typeof fakeContents>, op: string) =>
      c.sent.filter((s) => s.channel === EVENT_CHANNEL && s.event.job.id === op).map((s) => s.event.job);

    it("pushes a tagged call's steps and its end to the subscribed window, and a cancel reaches its handler", async () => {
      const window = fakeContents();
      subscribe(subscribeEvent(window));
      subscribe(subscribeEvent(window)); // twice is once
      const op = 'op1test';
      const running = call(event('app://renderer/'), 'testTarget', [{ id: 't1' }], op);
      await expect.poll(() => jobEvents(window, op).some((j) => j.steps.length === 1)).toBe(true);
      const live = jobEvents(window, op).at(-1)!;
      expect(live).toMatchObject({ id: op, kind: 'testTarget', state: 'running', steps: [{ step: 'dns', state: 'done' }] });
      expect((await call(event('app://renderer/'), 'cancelJob', [{ jobId: op }])).ok).toBe(true);
      const r = await running;
      expect(!r.ok && r.error.code).toBe('CANCELLED');
      const last = jobEvents(window, op).at(-1)!;
      expect(last.state).toBe('cancelled');
      // every snapshot once, in order
      const seqs = jobEvents(window, op).map((j) => j.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    });

    it('refuses a subscription from another frame, and stops sending to a window that left app:// or was closed', async () => {
      const stranger = fakeContents('https://evil.example/');
      subscribe(subscribeEvent(stranger));
      const sub = fakeContents();
      subscribe(subscribeEvent(sub, 'app://renderer/index.html', {})); // a sub-frame of our window
      const navigated = fakeContents();
      subscribe(subscribeEvent(navigated));
      navigated.mainFrame.url = 'https://elsewhere.example/';
      const closed = fakeContents();
      subscribe(subscribeEvent(closed));
      closed.destroy();
      const ours = fakeContents();
      subscribe(subscribeEvent(ours));

      const op = 'op2test';
      const running = call(event('app://renderer/'), 'testTarget', [{ id: 't1' }], op);
      await expect.poll(() => jobEvents(ours, op).length).toBeGreaterThan(0);
      await call(event('app://renderer/'), 'cancelJob', [{ jobId: op }]);
      await running;
      for (const c of [stranger, sub, navigated, closed]) expect(c.sent).toEqual([]);
    });

    it('parses the operation id like any argument: a malformed one is refused before the handler runs', async () => {
      const r = await call(event('app://renderer/'), 'listTargets', [], '../../x');
      expect(!r.ok && r.error.code).toBe('USAGE');
    });
  });
});
