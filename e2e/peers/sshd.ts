/**
 * A real OpenSSH sshd (/usr/sbin/sshd -D -e -f config) with its own host key, authorized_keys and
 * free port on 127.0.0.1, `Subsystem sftp internal-sftp`: the SFTP push target of the tests and e2e.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, stopChild } from './net.js';
import { createSystemUser, type SystemUser } from './system-user.js';

const run = promisify(execFile);

export interface Sshd {
  port: number;
  pid: number;
  dir: string;
  /** the login user (the tests run as root, so "root") */
  user: string;
  /** private key (no passphrase) in authorized_keys */
  identity: string;
  /** private key protected by `passphrase`, also in authorized_keys */
  identityWithPassphrase: string;
  passphrase: string;
  /** OpenSSH form "SHA256:…" of the host key */
  hostKeyFingerprint: string;
  /** a known_hosts file holding the host key as "[127.0.0.1]:PORT ssh-ed25519 …" */
  knownHosts: string;
  /** sshd's stderr so far (-e) */
  log(): string;
  /** PIDs of the per-connection sshd processes (children of the listener) */
  sessionPids(): number[];
  /**
   * with `passwordUser: true`: a throwaway system user that may log in with this password only
   * (root keeps keys only); removed by `stop()`
   */
  passwordUser?: Pick<SystemUser, 'name' | 'password' | 'uid' | 'gid'>;
  /** kills every open SSH session by PID, to simulate a cut connection */
  killSessions(): void;
  stop(): Promise<void>;
}

async function keygen(file: string, passphrase = ''): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'posture-stage-test', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

export interface SshdOptions {
  /**
   * also create a throwaway system user (needs root and useradd: check `systemUserUnavailable()`
   * first) allowed to log in by password only; sshd checks it against /etc/shadow itself (UsePAM no)
   */
  passwordUser?: boolean;
}

/** Starts sshd on 127.0.0.1 with a free port; `stop()` kills it by PID, removes its dir and any password user. */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const pwUser = opts.passwordUser ? await createSystemUser() : undefined;
  try {
    return await launch(pwUser);
  } catch (e) {
    await pwUser?.remove();
    throw e;
  }
}

async function launch(pwUser: SystemUser | undefined): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'ps-sshd-'));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  await keygen(hostKey);
  const userKey = join(dir, 'id_ed25519');
  const userKey2 = join(dir, 'id_ed25519_pass');
  const passphrase = 'correct horse battery';
  const pub1 = await keygen(userKey);
  const pub2 = await keygen(userKey2, passphrase);
  writeFileSync(join(dir, 'authorized_keys'), `${pub1}\n${pub2}\n`);
  chmodSync(join(dir, 'authorized_keys'), 0o600);
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]);
  const hostKeyFingerprint = stdout.split(' ')[1] ?? '';
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');

  const { child, port, output } = await startDaemon(dir, (port) => {
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      // Match blocks come last: only the throwaway user, and only by password, so a passing test proves password auth
      ...(pwUser
        ? [`Match User ${pwUser.name}`, '  PasswordAuthentication yes', '  PubkeyAuthentication no', '  AuthenticationMethods password']
        : []),
    ].join('\n');
    writeFileSync(join(dir, 'sshd_config'), config + '\n');
    return ['/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')]];
  });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`);
  const pid = child.pid ?? -1;
  const sessionPids = () => childrenOf(pid);
  return {
    port,
    pid,
    dir,
    user: 'root',
    identity: userKey,
    identityWithPassphrase: userKey2,
    passphrase,
    ...(pwUser ? { passwordUser: { name: pwUser.name, password: pwUser.password, uid: pwUser.uid, gid: pwUser.gid } } : {}),
    hostKeyFingerprint,
    knownHosts,
    log: output,
    sessionPids,
    killSessions: () => {
      for (const p of sessionPids()) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    },
    stop: async () => {
      for (const p of sessionPids()) {
        try {
          process.kill(p, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
      await pwUser?.remove();
    },
  };
}
