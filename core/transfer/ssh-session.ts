/**
 * One SSH connection to a node for SFTP and remote commands (interfaces.md `push` over `sftp://`):
 * host key checked before authentication (nothing is sent to an unknown or changed key), key auth
 * (with passphrase) or password auth (from an env var or the CLI's prompt — never a flag value).
 */
import { readFile } from 'node:fs/promises';
import SftpClient from 'ssh2-sftp-client';
import type { Client, SFTPWrapper } from 'ssh2';
import { CoreError, isErrorCode } from '../errors.js';
import { hostKeyError, judgeHostKey, sshFingerprint, type HostKeyPolicy, type HostKeyVerdict } from './host-key.js';
import { classifySshError } from './ssh-errors.js';
import type { Target } from './target.js';

export interface SshOptions extends HostKeyPolicy {
  /** private key file (the CLI's --identity) */
  identity?: string;
  /** the private key itself, in memory (the app opens it from its keychain; never written to disk) */
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
  readyTimeoutMs?: number;
}

export interface SshSession {
  sftp: SftpClient;
  /** ssh2's raw SFTP channel, for pipelined writes at an offset */
  raw: SFTPWrapper;
  ssh: Client;
  hostKey: string;
  /** rejects when the connection is lost (pending SFTP requests never answer then) */
  lost: Promise<never>;
  /** runs a command over the same connection; resolves with exit code and output */
  exec(command: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

type SftpTarget = Extract<Target, { kind: 'sftp' }>;

/** Connects, checks the host key, authenticates and opens SFTP. */
export async function openSsh(target: SftpTarget, opts: SshOptions): Promise<SshSession> {
  const where = `${target.host}:${target.port}`;
  let privateKey: Buffer | undefined = opts.privateKey === undefined ? undefined : Buffer.from(opts.privateKey);
  if (!privateKey && opts.identity) {
    try {
      privateKey = await readFile(opts.identity);
    } catch {
      throw new CoreError('NOT_FOUND', `Cannot read the SSH key ${opts.identity}.`, { file: opts.identity });
    }
  }
  if (!privateKey && opts.password === undefined)
    throw new CoreError('USAGE', `No SSH credentials for ${target.display}: give --identity KEY or --password-env VAR.`);
  // ssh2-sftp-client's default listeners print to stdout/stderr (which would break --json); ours
  // record the loss of the connection so pending SFTP writes fail instead of waiting forever
  let onLost: (e: Error) => void = () => {};
  const lost = new Promise<never>((_, reject) => {
    onLost = reject;
  });
  lost.catch(() => undefined);
  const callbacks = {
    error: (e: Error) => onLost(e),
    end: () => onLost(new Error('the SSH connection ended')),
    close: () => onLost(new Error('the SSH connection closed')),
  };
  const sftp = new (SftpClient as unknown as new (name: string, cb: typeof callbacks) => SftpClient)('posture-stage', callbacks);
  let verdict: HostKeyVerdict | undefined;
  let fingerprint = '';
  try {
    await sftp.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: opts.readyTimeoutMs ?? 15_000,
      ...(privateKey ? { privateKey } : {}),
      // callers without a prompt (e.g. `diff sftp://…`) can hand the passphrase over in the environment
      ...((opts.passphrase ?? process.env.POSTURE_STAGE_KEY_PASSPHRASE) !== undefined
        ? { passphrase: opts.passphrase ?? process.env.POSTURE_STAGE_KEY_PASSPHRASE }
        : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      hostVerifier: ((key: Buffer, verify: (ok: boolean) => void) => {
        fingerprint = sshFingerprint(key);
        judgeHostKey(key, target.host, target.port, opts).then(
          (v) => {
            verdict = v;
            verify(v.verdict === 'match');
          },
          () => verify(false),
        );
      }) as unknown as (key: Buffer) => boolean,
    });
  } catch (e) {
    await sftp.end().catch(() => undefined);
    if (verdict && verdict.verdict !== 'match') throw hostKeyError(verdict, fingerprint, where);
    throw classifySshError(e, where);
  }
  const internal = sftp as unknown as { client: Client; sftp: SFTPWrapper };
  const ssh = internal.client;
  return {
    sftp,
    raw: internal.sftp,
    ssh,
    hostKey: fingerprint,
    lost,
    exec: (command) =>
      Promise.race([
        lost.catch((e: unknown) => {
          throw classifySshError(e, where);
        }),
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
          ssh.exec(command, (err, stream) => {
            if (err) return reject(classifySshError(err, where));
            let stdout = '';
            let stderr = '';
            stream.on('data', (d: Buffer) => {
              stdout += d.toString();
            });
            stream.stderr.on('data', (d: Buffer) => {
              stderr += d.toString();
            });
            stream.on('close', (code: number | null) => resolve({ code, stdout, stderr }));
          });
        }),
      ]),
    close: async () => {
      await sftp.end().catch(() => undefined);
    },
  };
}

/**
 * Runs `CMD agent … --json` remotely and returns its JSON document; a refusal comes back as the
 * node's own CoreError (code and details preserved).
 */
export async function runAgentJson(session: SshSession, command: string, where: string): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await session.exec(command);
  const line = stdout.trim().split('\n').pop() ?? '';
  let doc: Record<string, unknown> | undefined;
  try {
    doc = JSON.parse(line) as Record<string, unknown>;
  } catch {
    doc = undefined;
  }
  if (!doc) {
    if (code === 127)
      throw new CoreError(
        'NOT_FOUND',
        `The remote command was not found on ${where}: ${command.split(' agent ')[0]}. Install posture-stage on the node or give --remote-command.`,
        { command, stderr: stderr.slice(-500) },
      );
    throw new CoreError('INTERNAL', `The node's agent command gave no JSON answer (exit ${code}). ${stderr.trim().slice(-300)}`, {
      command,
      exitCode: code,
    });
  }
  if (doc.ok === false) {
    const e = (doc.error ?? {}) as { code?: string; message?: string } & Record<string, unknown>;
    const { code: ecode, message, ...details } = e;
    // a code this version does not know (a newer node) stays visible in the details, never outside the closed union
    const known = isErrorCode(ecode) ? ecode : 'INTERNAL';
    throw new CoreError(known, message ?? 'The node refused.', {
      ...details,
      node: where,
      ...(known !== ecode && ecode !== undefined ? { nodeCode: ecode } : {}),
    });
  }
  return doc;
}
