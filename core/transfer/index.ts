/**
 * Talking to nodes (interfaces.md `push`, `diff https://…|sftp://…`): one node client over two transports.
 *
 *   openNode(target, {signal?}): Promise<NodeConnection>   withNode(target, fn)
 *     .status() .history() .log(lines) .content() .upload({file, size, sha256, name, …}) .verify(file)
 *     .apply(file, {dryRun?, allowDowngrade?}) .rollback() .policies() .staged() .download({sha256, size, to})
 *     .custody(sha256, document) .close()
 *   pushBundle(file, [{id, node}], {dryRun?, allowDowngrade?, custody?, signal?, retries?}, onEvent?(id, e)): Promise<PushResult>
 *       local check first (a bad container → throws, nothing sent; an unknown layout is sent and staged by the node);
 *       then every target at once: check → connect → custody → upload (bytes/rate) → verify → apply → done|error;
 *       each target's outcome applied|staged|skipped|refused; exitCode = worst
 *   testConnection(target, {signal?, onStep?}): Promise<ConnectionReport>   steps dns/tcp/tls|ssh/auth, failedStep
 *   parseTarget(url) → NodeAddress · resolveTarget(address, cliFlags) → NodeTarget (files read into memory)
 *   nodeFromUrl(url, cliFlags) · pushTargets(urls, cliFlags): what the CLI hands to the calls above
 *   readHostKey(host, port?) · readCertFingerprint(url, {signal?})   confirm on first contact
 * A NodeTarget carries its secrets in memory (token; privateKey [+passphrase] or password) and its pin
 * (fingerprint or CA files; hostKey or known_hosts). Secrets are never written anywhere.
 */
import { probeCertificate, type CertDescription } from '../net/trust.js';
import { classifyConnectError } from '../net/diagnose.js';
import { parseTarget } from './target.js';
import { NODE_ADVICE, NODE_TIMEOUTS } from './node-tls.js';

export { withNode, NodeConnection } from './connection.js';
export { pushBundle, type PushOptions, type PushTarget, type TargetResult } from './push.js';
export type { PushEvent } from './events.js';
export { testConnection } from './diagnostics.js';
export { passwordFrom, nodeFromUrl, pushTargets, type TargetFlags } from './credentials.js';
export { readHostKey } from './host-key.js';
export { parseTarget, displayOf, type NodeTarget } from './target.js';

/**
 * Reads an HTTPS agent's certificate (fingerprint, subject, issuer, validity) without trusting it, within the
 * node connect timeout; a failure is the node's diagnosis (UNREACHABLE with its step), never a bare socket error.
 */
export async function readCertFingerprint(url: string, opts: { signal?: AbortSignal } = {}): Promise<CertDescription> {
  const t = parseTarget(url);
  const origin = t.kind === 'https' ? t.origin : url;
  try {
    return await probeCertificate(origin, { timeoutMs: NODE_TIMEOUTS.connectMs, ...opts });
  } catch (e) {
    throw await classifyConnectError(e, { url: origin, proxy: { url: null, display: null }, advice: NODE_ADVICE });
  }
}
