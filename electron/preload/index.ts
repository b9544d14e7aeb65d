/**
 * The preload (sandboxed: compiled to CommonJS via preload/package.json, and only `electron` may be required). It exposes one function
 * per contract method, each sending over the single validated channel; nothing else of ipcRenderer
 * leaks (STYLE.md "Avoid": whole-ipcRenderer exposure). Method names arrive from main as an argument,
 * because a sandboxed preload cannot load the contract (core/app/contract.ts) itself.
 */
import { contextBridge, ipcRenderer } from 'electron';

const CHANNEL = 'posture-stage:api';
const flag = process.argv.find((a) => a.startsWith('--posture-stage-api='));
const methods = (flag?.slice('--posture-stage-api='.length) ?? '').split(',').filter((m) => /^[A-Za-z]+$/.test(m));

const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
for (const method of methods) api[method] = (...args: unknown[]) => ipcRenderer.invoke(CHANNEL, method, args);

contextBridge.exposeInMainWorld('api', Object.freeze(api));
