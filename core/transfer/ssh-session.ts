/**
 * One SSH connection to a node for SFTP and remote commands (interfaces.md `push` over `sftp://`):
 * host key checked before authentication (nothing is sent to an unknown or changed key), key auth
 * (with passphrase) or password auth — every secret handed over in memory. An AbortSignal given while
 * connecting ends the connection itself, so a cancel stops on the wire, not only in our bookkeeping.
 *
 * The session is ssh2-sftp-client's (connect, stat, rename, delete, end); only the pipelined writes of
 * an upload (sftp-upload.ts) and the remote commands use its ssh2 connection and SFTP channel directly.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { Client, type SFTPWrapper } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { CoreError } from '../errors.js';
import { hostKeyError, judgeHostKey, sshFingerprint, type HostKeyVerdict } from './host-key.js';
import { classifySshError } from './ssh-errors.js';
import { displayOf, type SshTarget } from './target.js';
import { cancelled } from './events.js';

/** Timeout of the SSH handshake (TCP, key exchange, host key, authentication) — every SSH call to a node. */
const SSH_READY_TIMEOUT_MS = 15_000;
/** The most a remote command may print (the largest answer is the node's content index). */
const MAX_OUTPUT = 64 * 1024 * 1024;

export interface SshSession {
  /** the SFTP session: stat, posixRename, delete */
  client: SftpClient;
  /** ssh2's SFTP channel under it, for pipelined writes at an offset */
  sftp: SFTPWrapper;
  ssh: Client;
  /** the TCP connection under it (an upload corks it while it hands over a burst of writes) */
  socket: Socket;
  hostKey: string;
  /** rejects when the connection is lost (pending SFTP requests never answer then) */
  lost: Promise<never>;
  /** runs a command over the same connection; resolves with exit code and output */
  exec(command: string): Promise<CommandResult>;
  /** runs a command whose standard input the caller writes while it runs (then ends) */
  start(command: string): RemoteCommand;
  close(): Promise<void>;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A remote command still running: what is written goes to its standard input. */
export interface RemoteCommand {
  write(text: string): void;
  /** ends its standard input */
  end(): void;
  done: Promise<CommandResult>;
}

/** The SFTP call `fn` as a promise that also fails when the connection is lost. */
export function sftpCall<T>(
  session: Pick<SshSession, 'lost'>,
  fn: (cb: (err: Error | null | undefined, v: T) => void) => void,
): Promise<T> {
  return Promise.race([new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v)))), session.lost]);
}

/** The ssh2 connection inside ssh2-sftp-client's session (it has no command channel of its own). */
function sshOf(client: SftpClient): Client {
  const inner: unknown = Reflect.get(client, 'client');
  if (!(inner instanceof Client)) throw new CoreError('INTERNAL', 'Internal error: the SFTP session has no SSH connection.');
  return inner;
}

/** Connects, checks the host key, authenticates and opens SFTP; `signal` ends the connection until it is ready. */
export async function openSsh(target: SshTarget, signal?: AbortSignal): Promise<SshSession> {
  const where = `${target.host}:${target.port}`;
  if (target.privateKey === undefined && target.password === undefined && target.agent === undefined)
    throw new CoreError('USAGE', `No SSH credentials for ${displayOf(target)}: give --identity KEY or --password-env VAR.`);
  if (signal?.aborted) throw cancelled();
  // its own listeners would print to the console: connection events are ours to handle (below)
  const client = new SftpClient('posture-stage', { error: () => undefined, end: () => undefined, close: () => undefined });
  const ssh = sshOf(client);
  let onLost: (e: Error) => void = () => {};
  const lost = new Promise<never>((_, reject) => {
    onLost = reject;
  });
  lost.catch(() => undefined);
  const abort = () => {
    onLost(cancelled());
    ssh.destroy();
  };
  signal?.addEventListener('abort', abort, { once: true });
  // from the first byte on, the connection's end fails whatever is pending (the handshake too)
  ssh.on('error', (e: Error) => onLost(e));
  ssh.on('end', () => onLost(new Error('the SSH connection ended')));
  ssh.on('close', () => onLost(new Error('the SSH connection closed')));
  let verdict: HostKeyVerdict | undefined;
  let fingerprint = '';
  let sftp: SFTPWrapper;
  // our own socket, handed to ssh2 while it connects (ssh2 waits for its connect and takes its errors as its
  // own); without TCP_NODELAY each small packet of the login and of every later round trip (exec, SFTP
  // open/stat/rename) waits for the peer's delayed ACK, ~40 ms each
  const socket = connectTcp({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  try {
    const connecting = client.connect({
      sock: socket,
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: SSH_READY_TIMEOUT_MS,
      ...(target.privateKey !== undefined ? { privateKey: target.privateKey } : {}),
      ...(target.privateKey !== undefined && target.passphrase !== undefined ? { passphrase: target.passphrase } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.agent !== undefined ? { agent: target.agent } : {}),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void): void => {
        fingerprint = sshFingerprint(key);
        judgeHostKey(key, target.host, target.port, target).then(
          (v) => {
            verdict = v;
            verify(v.verdict === 'match');
          },
          () => verify(false),
        );
      },
    });
    sftp = await Promise.race([connecting, lost]);
  } catch (e) {
    signal?.removeEventListener('abort', abort);
    ssh.destroy();
    socket.destroy();
    if (signal?.aborted) throw cancelled();
    if (verdict && verdict.verdict !== 'match') throw hostKeyError(verdict, fingerprint, where);
    throw classifySshError(e, where);
  }
  // the connection is up: from here each call takes its own signal (an apply once sent is never cut)
  signal?.removeEventListener('abort', abort);
  const run = (command: string): RemoteCommand => {
    let input: { write(t: string): void; end(): void } | null = null;
    const early: Array<string | null> = [];
    const done = Promise.race([
      lost.catch((e: unknown) => {
        throw signal?.aborted ? cancelled() : classifySshError(e, where);
      }),
      new Promise<CommandResult>((resolve, reject) => {
        ssh.exec(command, (err, stream) => {
          if (err) return reject(classifySshError(err, where));
          const out: Buffer[] = [];
          let size = 0;
          let stderr = '';
          stream.on('data', (d: Buffer) => {
            size += d.length;
            if (size > MAX_OUTPUT) {
              stream.close();
              return reject(new CoreError('INTERNAL', `${where}: the remote command printed more than ${MAX_OUTPUT} bytes.`));
            }
            out.push(d);
          });
          stream.stderr.on('data', (d: Buffer) => {
            stderr = (stderr + d.toString()).slice(-4096);
          });
          stream.on('close', (code: number | null) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr }));
          input = { write: (t) => void stream.write(t), end: () => void stream.end() };
          for (const t of early.splice(0)) {
            if (t === null) input.end();
            else input.write(t);
          }
        });
      }),
    ]);
    done.catch(() => undefined);
    return {
      write: (t) => (input ? input.write(t) : void early.push(t)),
      end: () => (input ? input.end() : void early.push(null)),
      done,
    };
  };
  return {
    client,
    sftp,
    ssh,
    socket,
    hostKey: fingerprint,
    lost,
    exec: (command) => run(command).done,
    start: run,
    close: async () => {
      // not awaited: on a connection already lost, the client would wait for a close that came before
      client.end().catch(() => undefined);
    },
  };
}
