/**
 * The IPC gate with the electron module faked only at its edge (an ipcMain that records the handler,
 * events carrying a senderFrame): calls from other frames are refused, arguments are parsed, and
 * errors cross as {code, message, details}.
 */
import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { API_CHANNEL, registerIpc } from './ipc.js';
import type { Envelope, HandlerTable } from '../../core/app/contract.js';
import { CoreError } from '../../core/errors.js';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<Envelope>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle: (channel: string, fn: Handler) => void handlers.set(channel, fn),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
}

const event = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;

const table = {
  inspectBundle: async ({ sha256 }: { sha256: string }) => {
    throw new CoreError('NOT_FOUND', `No bundle ${sha256} in the library.`, { sha256 });
  },
  listTargets: async () => [],
} as unknown as HandlerTable;

describe('registerIpc', () => {
  const ipc = fakeIpcMain();
  registerIpc(ipc as never, table);
  const call = (e: IpcMainInvokeEvent, method: unknown, args: unknown) => ipc.handlers.get(API_CHANNEL)!(e, method, args);

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
    const off = registerIpc(local as never, table);
    expect(local.handlers.has(API_CHANNEL)).toBe(true);
    off();
    expect(local.handlers.has(API_CHANNEL)).toBe(false);
  });
});
