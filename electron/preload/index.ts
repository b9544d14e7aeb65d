/**
 * The preload (sandboxed: compiled to CommonJS via preload/package.json, and only `electron` may be required). It exposes one function
 * per contract method, each sending over the single validated channel (with the call's operation id when
 * the renderer tagged it), and `onEvent` for the app's pushed events; nothing else of ipcRenderer leaks
 * (STYLE.md "Avoid": whole-ipcRenderer exposure). Method names arrive from main as an argument, because a
 * sandboxed preload cannot load the contract (core/app/contract.ts) itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const CHANNEL = 'posture-stage:api';
const SUBSCRIBE = 'posture-stage:subscribe';
const EVENT = 'posture-stage:event';
const flag = process.argv.find((a) => a.startsWith('--posture-stage-api='));
const methods = (flag?.slice('--posture-stage-api='.length) ?? '').split(',').filter((m) => /^[A-Za-z]+$/.test(m));

const api: Record<string, (...args: unknown[]) => unknown> = {};
for (const method of methods) api[method] = (args: unknown, op?: unknown) => ipcRenderer.invoke(CHANNEL, method, args, op);

/** Calls `listener` with each AppEvent until the returned function is called. */
api.onEvent = (listener: unknown) => {
  if (typeof listener !== 'function') return () => undefined;
  const forward = (_e: IpcRendererEvent, event: unknown) => (listener as (event: unknown) => void)(event);
  ipcRenderer.on(EVENT, forward);
  ipcRenderer.send(SUBSCRIBE);
  return () => ipcRenderer.removeListener(EVENT, forward);
};

contextBridge.exposeInMainWorld('api', Object.freeze(api));
