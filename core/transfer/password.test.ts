/**
 * SSH password login (interfaces.md `push … --password-env VAR`) against the real OpenSSH sshd: a
 * throwaway system user that may log in by password only pushes and applies with the node's own CLI.
 * Needs root (useradd); skipped with the reason otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeBundle } from '../bundle/index.js';
import { initStore, readHistory, readStatus } from '../agent/index.js';
import { startSshd, systemUserUnavailable, type Sshd } from '../../e2e/peers/index.js';
import { pushBundle, pushTargets, passwordFrom, type PushEvent, type PushOptions, type TargetFlags } from './index.js';

type Flags = TargetFlags & PushOptions;
/** The CLI's way in: URLs plus flags, secrets read into memory by resolveTarget. */
const push = (file: string, urls: string[], opts: Flags = {}, onEvent?: (target: string, e: PushEvent) => void) =>
  pushBundle(file, pushTargets(urls, opts), opts, onEvent);

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bin = join(repo, 'core/cli/bin.js');
/** The repo's built CLI, run on the "node" by the password user (so the repo must be readable by others). */
const remoteCommand = `node ${bin}`;

/**
 * Why this cannot run here. The remote command runs as the throwaway user: if the built CLI runs for
 * root but not for another user (a checkout under a private home, say), skip and say so; if it does
 * not run at all (not built), do not skip: the tests fail and show why.
 */
function skipReason(): string | undefined {
  const noUser = systemUserUnavailable();
  if (noUser) return noUser;
  const probe = (ids: { uid?: number; gid?: number }) =>
    spawnSync(process.execPath, [bin, '--version'], { cwd: '/', encoding: 'utf8', timeout: 30_000, ...ids });
  if (probe({ uid: 65534, gid: 65534 }).status !== 0 && probe({}).status === 0) {
    return `the built CLI ${bin} cannot be read by other users (check the permissions of ${repo} and its parents)`;
  }
  return undefined;
}

const reason = skipReason();
if (reason) console.warn(`password.test.ts skipped: ${reason}`);

let sshd: Sshd;
let user: NonNullable<Sshd['passwordUser']>;
let work: string;
let small: string;

/** A node store made as root (like `agent init`), then handed to the password user. */
async function newStore(): Promise<string> {
  const dir = mkdtempSync(join(work, 'store-'));
  await initStore(dir, { name: 'staging-node' });
  await run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
  return dir;
}

const inbox = (store: string) => readdirSync(join(store, 'inbox'));

/** Every file under `dir` as bytes (logs, history, state), to look for a leaked secret. */
function allBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = join(dir, name);
    if (statSync(p).isFile()) parts.push(readFileSync(p));
  }
  return Buffer.concat(parts);
}

describe.skipIf(reason !== undefined)(`push over SFTP with SSH password login${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ps-pw-'));
    chmodSync(work, 0o755); // the password user walks into its store below
    sshd = await startSshd({ passwordUser: true });
    if (!sshd.passwordUser) throw new Error('startSshd({ passwordUser: true }) made no user');
    user = sshd.passwordUser;
    small = join(work, 'posture-offline.zip');
    writeFileSync(small, await writeBundle({ seed: 3 }));
  });

  afterAll(async () => {
    const name = sshd?.passwordUser?.name;
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
    // stop() removed the throwaway user
    if (name) expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(new RegExp(`^${name}:`, 'm'));
  });

  it('the right password from the environment (--password-env) pushes and applies as that user', async () => {
    const store = await newStore();
    const env = `PS_TEST_PW_${randomBytes(3).toString('hex')}`;
    process.env[env] = user.password;
    let password: string | undefined;
    try {
      password = passwordFrom({ passwordEnv: env });
    } finally {
      delete process.env[env];
    }
    const events: PushEvent[] = [];
    const r = await push(
      small,
      [`sftp://${user.name}@127.0.0.1:${sshd.port}${store}`],
      { ...(password !== undefined ? { password } : {}), hostKey: sshd.hostKeyFingerprint, remoteCommand },
      (_t, e) => events.push(e),
    );
    expect(r.targets[0]?.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.targets[0]?.applied.map((a) => a.component)).toContain('conditions');
    expect((await readStatus(store)).versions.conditions).toBe('300418.0.0.0');
    expect(inbox(store)).toEqual([]);
    const history = await readHistory(store);
    expect(history.at(-1)).toMatchObject({ mode: 'apply', result: 'success', who: user.name });
    // sshd itself says how the user got in: by password, not by a key
    expect(sshd.log()).toMatch(new RegExp(`Accepted password for ${user.name} from 127\\.0\\.0\\.1`));
    for (const text of [JSON.stringify(r), JSON.stringify(events), sshd.log()]) expect(text).not.toContain(user.password);
    expect(allBytes(store).includes(Buffer.from(user.password))).toBe(false);
  });

  it('a wrong password is AUTH_FAILED: nothing uploaded, the node unchanged, no password in the answer', async () => {
    const store = await newStore();
    const before = await readStatus(store);
    const wrong = `wrong-${randomBytes(12).toString('base64url')}`;
    const r = await push(small, [`sftp://${user.name}@127.0.0.1:${sshd.port}${store}`], {
      password: wrong,
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
    });
    expect(r.targets[0]?.error?.code).toBe('AUTH_FAILED');
    expect(r.targets[0]?.error?.message).toContain('--password-env');
    expect(r.exitCode).toBeGreaterThan(0);
    expect(inbox(store)).toEqual([]);
    expect(await readStatus(store)).toEqual(before);
    expect(await readHistory(store)).toEqual([]);
    expect(sshd.log()).toMatch(new RegExp(`Failed password for ${user.name} from 127\\.0\\.0\\.1`));
    for (const text of [JSON.stringify(r), sshd.log()]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(user.password);
    }
  });

  it('the CLI: `push --password-env PW --json` exits 0 and prints the password nowhere', async () => {
    const store = await newStore();
    const home = mkdtempSync(join(work, 'home-'));
    const target = `sftp://${user.name}@127.0.0.1:${sshd.port}${store}`;
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [
          bin,
          'push',
          small,
          '--to',
          target,
          '--password-env',
          'PW',
          '--host-key',
          sshd.hostKeyFingerprint,
          '--remote-command',
          remoteCommand,
          '--json',
        ],
        {
          env: { ...process.env, PW: user.password, POSTURE_STAGE_HOME: home, POSTURE_STAGE_PROGRESS: '1' },
          timeout: 50_000,
        },
        (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
    });
    expect(out.stderr).not.toContain(user.password);
    expect(out.stdout).not.toContain(user.password);
    expect(out.code, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout) as { ok: boolean; targets: { ok: boolean; target: string }[] };
    expect(doc.ok).toBe(true);
    expect(doc.targets).toEqual([expect.objectContaining({ ok: true, target: target })]);
    expect((await readHistory(store)).at(-1)?.who).toBe(user.name);
    expect(allBytes(home).includes(Buffer.from(user.password))).toBe(false);
  });
});
