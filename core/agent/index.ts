/**
 * The node agent's public API, shared by the CLI (`posture-stage agent …`), the transfer code and the
 * desktop app's local lab node. Store layout: ./paths.ts; contract: ../shared/spec/interfaces.md.
 */
export * from './types.js';
export { initStore, readNodeContent, verifyStore, readToken } from './store.js';
export type { StoreState, InstalledComponent, InstalledPolicy } from './store.js';
export { applyBundle, defaultWho, type ApplyOptions } from './apply.js';
export { readStatus, formatUpdateInformation } from './status.js';
export { readHistory } from './history.js';
export { rollback } from './rollback.js';
export { listPolicies, deletePolicy } from './policies.js';
export { verifyInboxFile } from './inbox.js';
export { startAgentServer, httpStatusFor, type AgentServer, type AgentServerOptions } from './server.js';
export { readLogTail } from './log.js';
