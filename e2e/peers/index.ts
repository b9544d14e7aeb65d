/**
 * Reusable test peers (real sshd, real tinyproxy, an HTTPS feed with a private CA), shared by the
 * vitest integration tests and developer E's Playwright e2e. Everything binds 127.0.0.1 only and
 * is stopped by PID.
 */
export { freePort, stopChild } from './net.js';
export { makeCa, makeServerCert, type Pem } from './certs.js';
export { startFeedServer, atomFeed, type FeedServer } from './https-feed.js';
export { startClosingFeed, type ClosingFeed } from './closing-feed.js';
export { startTinyproxy, type Tinyproxy } from './tinyproxy.js';
export { startSshd, type Sshd } from './sshd.js';
export { startSshAgent, type SshAgent } from './ssh-agent.js';
export { writeMiniKit } from './mini-kit.js';
export { systemUserUnavailable } from './system-user.js';
export { startAgent, type Agent } from './agent.js';
export { startSlowProxy } from './slow-proxy.js';
