/**
 * Pushing bundles to nodes and talking to them (interfaces.md `push`, `diff https://…|sftp://…`).
 *
 *   pushBundle(file, targets: string[], opts: PushOptions, onEvent?: (target, e: PushEvent) => void): Promise<PushResult>
 *       local check first (refused → throws, nothing sent); then every target at once:
 *       check → connect → upload (bytes/rate) → verify → apply → done|error; exitCode = worst
 *   testConnection(target, opts): Promise<ConnectionReport>   steps dns/tcp/tls|ssh/auth, failedStep
 *   fetchNodeContent(target, opts): Promise<NodeContentState> what the node holds (for diff)
 *   readSshNode(target, opts, want): Promise<SshNodeView>    status, history, ise-psc.log tail over one SSH connection
 *   readHostKey(host, port?): Promise<{fingerprint, keyType, knownHostsLine}>  confirm on first contact
 *   readCertFingerprint(url): Promise<CertDescription>         same for an HTTPS agent
 * Targets: https://host[:8443] (--token-file or `token` in memory, --fingerprint or --ca) · sftp://user@host[:22]/store
 * (--identity or `privateKey` in memory [+passphrase], or password; --host-key or known_hosts, --remote-command).
 * Secrets given in memory are never written anywhere (the app keeps them in its keychain).
 */
import { probeCertificate, type CertDescription } from '../net/trust.js';
import { parseTarget } from './target.js';

export { pushBundle, type PushOptions, type PushResult, type TargetResult } from './push.js';
export type { PushEvent } from './events.js';
export { testConnection, type ConnectionReport, type DiagnosticStep } from './diagnostics.js';
export { fetchNodeContent, passwordFrom, type NodeTargetOptions } from './node-content.js';
export { readSshNode, type SshNodeView, type SshNodeViewOptions } from './node-view.js';
export { readHostKey, sshFingerprint, judgeHostKey } from './host-key.js';
export { parseTarget, type Target } from './target.js';

/** Reads an HTTPS agent's certificate (fingerprint, subject, issuer, validity) without trusting it. */
export async function readCertFingerprint(url: string): Promise<CertDescription> {
  const t = parseTarget(url);
  return probeCertificate(t.kind === 'https' ? t.origin : url);
}
