/**
 * The single IPC channel (STYLE.md model 2, VS Code's validated ipcMain): every call is checked for
 * its sender (our main frame on app://renderer) and then parsed and dispatched against the contract.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Envelope, HandlerTable } from '../../core/app/contract.js';
import { CoreError } from '../../core/errors.js';
import { dispatch } from '../../core/app/index.js';
import { isTrustedSender } from './hardening.js';

export const API_CHANNEL = 'posture-stage:api';

/** Registers the channel; returns a function that removes it. */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, handlers: HandlerTable): () => void {
  ipcMain.handle(API_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown): Promise<Envelope> => {
    if (!isTrustedSender(event.senderFrame)) {
      return { ok: false, error: new CoreError('UNAUTHORIZED', 'Refused a call from a frame that is not the app window.').toJSON() };
    }
    return dispatch(handlers, method, args);
  });
  return () => ipcMain.removeHandler(API_CHANNEL);
}
