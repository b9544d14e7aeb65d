/**
 * The IPC gate (STYLE.md model 2, VS Code's validated ipcMain): every call is checked for its sender (our
 * main frame on app://renderer) and then parsed and dispatched against the contract. Progress goes the
 * other way on one event channel, to windows that subscribed from that same trusted frame and only while
 * their main frame still shows app://renderer.
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { AppEvent, Envelope } from '../../core/app/contract.js';
import { CoreError } from '../../core/errors.js';
import { dispatch, jobEvent, type Backend } from '../../core/app/index.js';
import { isTrustedSender } from './hardening.js';

export const API_CHANNEL = 'posture-stage:api';
/** renderer → main: "send me the app's events" (no payload) */
export const SUBSCRIBE_CHANNEL = 'posture-stage:subscribe';
/** main → renderer: one AppEvent */
export const EVENT_CHANNEL = 'posture-stage:event';

type Gate = Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
type Subscriber = Pick<WebContents, 'send' | 'isDestroyed' | 'once' | 'mainFrame'>;

/** Registers the channels; returns a function that removes them. */
export function registerIpc(ipcMain: Gate, backend: Backend): () => void {
  ipcMain.handle(API_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown, op: unknown): Promise<Envelope> => {
    if (!isTrustedSender(event.senderFrame)) {
      return { ok: false, error: new CoreError('UNAUTHORIZED', 'Refused a call from a frame that is not the app window.').toJSON() };
    }
    return dispatch(backend, method, args, op);
  });

  const subscribers = new Set<Subscriber>();
  const onSubscribe = (event: IpcMainEvent) => {
    if (!isTrustedSender(event.senderFrame)) return;
    const contents: Subscriber = event.sender;
    if (subscribers.has(contents)) return;
    subscribers.add(contents);
    contents.once('destroyed', () => subscribers.delete(contents));
  };
  ipcMain.on(SUBSCRIBE_CHANNEL, onSubscribe);
  const unsubscribe = backend.jobs.subscribe((job) => {
    const event: AppEvent = jobEvent(job);
    for (const contents of subscribers) {
      if (contents.isDestroyed()) subscribers.delete(contents);
      // the window may have been navigated since it subscribed (hardening refuses that, this is the second lock)
      else if (isTrustedSender(contents.mainFrame)) contents.send(EVENT_CHANNEL, event);
    }
  });

  return () => {
    ipcMain.removeHandler(API_CHANNEL);
    ipcMain.removeListener(SUBSCRIBE_CHANNEL, onSubscribe);
    unsubscribe();
    subscribers.clear();
  };
}
