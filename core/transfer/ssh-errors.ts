/** Maps ssh2 connection errors to the transfer codes (interfaces.md): UNREACHABLE steps, AUTH_FAILED. */
import { CoreError } from '../errors.js';
import { unreachable } from '../net/diagnose.js';

/** Classifies an ssh2 client error for target `where` (host:port). */
export function classifySshError(e: unknown, where: string): CoreError {
  if (e instanceof CoreError) return e;
  const err = e as { code?: string; level?: string; message?: string };
  const code = err.code ?? '';
  const msg = err.message ?? String(e);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return unreachable('dns', `The name of ${where} could not be resolved (${code}).`, { address: where, cause: code });
  if (['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code) || /Timed out while waiting for handshake/.test(msg)) {
    return unreachable(
      'tcp',
      `Cannot connect to ${where} (${code || 'timeout'}). Check the host, that sshd listens on that port (22 by default) and that a firewall allows it.`,
      { address: where, cause: code || 'timeout' },
    );
  }
  if (err.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    return new CoreError(
      'AUTH_FAILED',
      `${where} refused the SSH login. Check the user name in the target, the key (--identity, with its passphrase) or the password (--password-env).`,
      { address: where },
    );
  }
  if (/Encrypted private OpenSSH key|bad passphrase|Cannot parse privateKey/i.test(msg)) {
    return new CoreError(
      'AUTH_FAILED',
      `Cannot use the SSH key: ${msg}. Give the right passphrase (POSTURE_STAGE_KEY_PASSPHRASE or the prompt).`,
      { address: where },
    );
  }
  return new CoreError(
    'TRANSFER_INTERRUPTED',
    `The SSH connection to ${where} failed: ${msg}. Run the push again; an interrupted upload resumes.`,
    { address: where, cause: code || msg },
  );
}
