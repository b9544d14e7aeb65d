/**
 * A throwaway system user with a random password, for proving SSH password login against the real
 * sshd (sshd.ts `passwordUser`). Creating users needs root and shadow's useradd/chpasswd/userdel;
 * `systemUserUnavailable()` says why not when they are missing, so tests can skip with that reason.
 * The user is removed by `remove()` and, should the test process die first, when it exits.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TOOLS = ['/usr/sbin/useradd', '/usr/sbin/chpasswd', '/usr/sbin/userdel'];

export interface SystemUser {
  name: string;
  password: string;
  uid: number;
  gid: number;
  /** deletes the user (and its group); safe to call twice */
  remove(): Promise<void>;
}

/** Why a throwaway user cannot be made here (not root, shadow tools missing), or undefined when it can. */
export function systemUserUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'creating a throwaway login user needs root';
  for (const tool of TOOLS) {
    try {
      accessSync(tool, constants.X_OK);
    } catch {
      return `${tool} is missing (Debian package "passwd")`;
    }
  }
  return undefined;
}

// useradd/userdel refuse while another process holds /etc/passwd's lock (parallel tests): try again shortly
async function retrying<T>(what: () => Promise<T>, tries = 20): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await what();
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 100 + i * 50));
    }
  }
}

/** PIDs of processes still running as `uid` (sessions of a stopped sshd that have not exited yet). */
function processesOf(uid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      if (m && Number(m[1]) === uid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/**
 * Creates `posture-pw-<random>` (system account, no home directory, /bin/sh so sshd can run the
 * remote command) with a random password set through chpasswd (on stdin, never on a command line).
 */
export async function createSystemUser(prefix = 'posture-pw-'): Promise<SystemUser> {
  const reason = systemUserUnavailable();
  if (reason) throw new Error(`cannot create a throwaway user: ${reason}`);
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await retrying(() =>
    run('/usr/sbin/useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', name]),
  );
  let removed = false;
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  const removeNow = (): void => {
    if (removed) return;
    removed = true;
    for (const pid of processesOf(uid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    try {
      execFileSync('/usr/sbin/userdel', [name], { stdio: 'ignore' });
    } catch {
      /* best effort at exit */
    }
  };
  process.once('exit', removeNow);
  const remove = async (): Promise<void> => {
    if (removed) return;
    // the user's last processes (remote commands of killed sessions) may still be exiting
    for (const pid of processesOf(uid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await retrying(() => run('/usr/sbin/userdel', [name]));
    removed = true;
    process.removeListener('exit', removeNow);
  };
  try {
    await retrying(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = execFile('/usr/sbin/chpasswd', (err) => (err ? reject(err) : resolve()));
          child.stdin?.end(`${name}:${password}\n`);
        }),
    );
  } catch (e) {
    await remove();
    throw e;
  }
  return { name, password, uid, gid, remove };
}
