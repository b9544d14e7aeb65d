/**
 * Reusable test peers (real sshd, real tinyproxy, an HTTPS feed with a private CA), shared by the
 * vitest integration tests and developer E's Playwright e2e. Everything binds 127.0.0.1 only and
 * is stopped by PID.
 */
export { freePort, waitForPort, stopChild, killOnExit } from './net.js';
export { makeCa, makeServerCert, type Pem, type ServerCertOptions } from './certs.js';
export { startFeedServer, atomFeed, type FeedServer, type FeedServerOptions, type FeedFile, type FeedRequest } from './https-feed.js';
export { startClosingFeed, type ClosingFeed, type ClosingRoute } from './closing-feed.js';
export { startTinyproxy, type Tinyproxy, type TinyproxyOptions } from './tinyproxy.js';
export { startSshd, type Sshd, type SshdOptions } from './sshd.js';
export { systemUserUnavailable } from './system-user.js';
export { startAgent, type Agent } from './agent.js';
export { startSlowProxy, type SlowProxy } from './slow-proxy.js';
