/**
 * The node agent's public API, shared by the CLI (`posture-stage agent …`), the transfer code and the
 * desktop app's local lab node. Store layout: ./paths.ts; contract: ../shared/spec/interfaces.md.
 */
export * from './types.js';
export { initStore, readNodeContent, verifyStore, readToken } from './store.js';
export { applyBundle } from './apply.js';
export { readStatus, formatUpdateInformation } from './status.js';
export { readHistory, verifyHistory, HISTORY_GENESIS } from './history.js';
export { rollback, listStates, parseRollbackTarget, type KeptState } from './rollback.js';
export { DEFAULT_KEEP_STATES } from './states.js';
export { addToken, revokeToken, listTokens } from './tokens.js';
export { addSigners, removeSigner, listSigners, readSignerFiles, type TrustedSigner } from './signers.js';
export { listPolicies, deletePolicy } from './policies.js';
export { verifyInboxFile } from './inbox.js';
export { listStaged, findStaged, formatStaged } from './staged.js';
export { startAgentServer, type AgentServer } from './server.js';
export type { RegisteredRoute } from './auth.js';
export { readLogTail } from './log.js';
