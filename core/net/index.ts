/**
 * Generic networking below feed/ and transfer/: TLS trust, certificate pinning, connection diagnosis.
 * Nothing here knows whether the peer is Cisco's update feed or a node agent: callers pass their words in.
 *
 *   trustedCas(caFiles) · certFingerprint(X509Certificate) · sameFingerprint(a, b) · probeCertificate(url, {ca?, proxy?})
 *   pinnedDispatcher({fingerprint?, ca?, mismatchAdvice?}, timeouts)
 *   classifyConnectError(e, {url, proxy, ca?, advice?}) · unreachable(step, message, details, advice?) · isInterruption(e)
 */
export { certFingerprint, sameFingerprint, probeCertificate } from './trust.js';
export { pinnedDispatcher } from './pinning.js';
export { classifyConnectError, unreachable } from './diagnose.js';
