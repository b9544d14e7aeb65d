/**
 * The node agent's public API, shared by the CLI (`posture-stage agent …`), the transfer code and the
 * desktop app's local lab node. Store layout: ./paths.ts; contract: ../shared/spec/interfaces.md.
 */
export * from './types.js';
export { initStore, readNodeContent, verifyStore, readToken } from './store.js';
export type { StoreState, InstalledComponent, InstalledPolicy, InitResult } from './store.js';
export { applyBundle, defaultWho, type ApplyOptions } from './apply.js';
export { readStatus, formatUpdateInformation } from './status.js';
export { readHistory, verifyHistory, HISTORY_GENESIS, type HistoryVerification } from './history.js';
export { rollback, listStates, parseRollbackTarget, type KeptState, type RollbackTarget } from './rollback.js';
export { DEFAULT_KEEP_STATES } from './states.js';
export { addToken, revokeToken, listTokens, ADMIN_TOKEN, type TokenInfo } from './tokens.js';
export { addSigners, removeSigner, listSigners, readSignerFiles, type TrustedSigner } from './signers.js';
export { checkCustody, readCustodyMark, saveCustodyDocument, type CustodyRecord } from './custody.js';
export { listPolicies, deletePolicy } from './policies.js';
export { verifyInboxFile, followInboxFile } from './inbox.js';
export { startAgentServer, httpStatusFor, type AgentServer, type AgentServerOptions } from './server.js';
export type { RegisteredRoute } from './auth.js';
export { readLogTail } from './log.js';
