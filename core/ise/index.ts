/**
 * The hand-off to ISE and the proof that ISE took it (issue 10; interfaces.md `agent handoff`, `handoff`,
 * `confirm`). ISE is a closed appliance: the agent never runs on it; content reaches it only through the GUI of
 * its Primary Administration Node (deployment-wide), and the proof is what that GUI shows (Update Information)
 * and what it logs (ise-psc.log). On the floor of custody/: imports the bundle core and the shared core files.
 *
 *   writeHandoff({file, sha256, source, …}, out)   posture-offline.zip (re-verified) + .sha256 + HANDOFF.txt
 *   handoffDocument / handoffText / handoffHtml      HANDOFF.txt's content, as text and as a printable page
 *   parseIseStatus(text)                             the pasted Update Information
 *   scanIseLog(stream)                               the opswat download runs of ise-psc.log, streamed
 *   confirmIse({inspection, status, log?, since?})   per component present/older/newer and the matching run
 */
export * from './types.js';
export { handoffDocument, handoffText, handoffHtml, preparedTimeOf, HANDOFF_TEXT } from './handoff-text.js';
export { writeHandoff } from './handoff.js';
export { MAX_STATUS_BYTES } from './status.js';
export { confirmIse, formatConfirm, localDate } from './confirm.js';
