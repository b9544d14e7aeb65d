/**
 * The handler table for every contract method. `satisfies HandlerTable` makes a missing or
 * mistyped handler a compile error (STYLE.md model 1). Shared by Electron's IPC and `posture-stage ui`.
 */
import type { HandlerTable } from '../contract.js';
import type { HandlerContext } from './context.js';
import { appHandlers } from './app.js';
import { libraryHandlers } from './library.js';
import { fetchHandlers } from './fetch.js';
import { targetHandlers } from './targets.js';
import { applyHandlers } from './apply.js';
import { labHandlers } from './lab.js';
import { handoffHandlers } from './handoff.js';
import { kitHandlers } from './kit.js';

/** Builds the full table over one context. */
export function createHandlers(ctx: HandlerContext, hooks: { onSettingsSaved?: () => void } = {}): HandlerTable {
  return {
    ...appHandlers(ctx, hooks.onSettingsSaved),
    ...libraryHandlers(ctx),
    ...fetchHandlers(ctx),
    ...targetHandlers(ctx),
    ...applyHandlers(ctx),
    ...labHandlers(ctx),
    ...handoffHandlers(ctx),
    ...kitHandlers(ctx),
  } satisfies HandlerTable;
}
