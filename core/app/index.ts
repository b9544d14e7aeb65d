/**
 * The application without a window (STYLE.md "app/"): the contract's handlers over core, the jobs they
 * run, the workstation's stores (targets, settings, activity), the lab node and the `posture-stage ui`
 * HTTP host. Used by the Electron shell (electron/main, which injects safeStorage and a folder picker)
 * and by the CLI's `ui` command; never imports electron.
 *
 *   createContext({home, shell, secrets, chooseDirectory?}) → HandlerContext · createHandlers(ctx, hooks?) → HandlerTable
 *   dispatch({handlers, jobs}, method, args, op?) → Envelope   the one gate after the transport checked the caller
 *   jobEvent(job) → AppEvent   what the transports push to the UI (jobs.subscribe)
 *   startUiSession({host, port, home?, staticDir?}) · startUiHost({backend, staticDir, …}) · parseListen(value)
 *   fileSecretBox(home) · SecretBox · dataHome() · FeedSchedule · RENDERER_CSP · readRendererFile(root, path)
 * The contract (methods, argument schemas, result types) is ./contract.ts; the renderer `import type`s it.
 */
export { createContext } from './handlers/context.js';
export { createHandlers } from './handlers/index.js';
export { dispatch, jobEvent, type Backend } from './dispatch.js';
export { startUiSession, type UiSession } from './ui-session.js';
export { parseListen } from './ui-host.js';
export { fileSecretBox } from './secrets.js';
export { dataHome } from './paths.js';
export { FeedSchedule } from './schedule.js';
export { RENDERER_CSP } from './csp.js';
export { readRendererFile } from './static-files.js';
