import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBundle } from '../bundle/index.js';
import { initStore, readStatus, startAgentServer, type AgentServer } from '../agent/index.js';
import { startSshd, type Sshd } from '../../e2e/peers/index.js';
import {
  pushBundle,
  pushTargets,
  nodeFromUrl,
  testConnection,
  withNode,
  readHostKey,
  type PushEvent,
  type PushOptions,
  type TargetFlags,
} from './index.js';

type Flags = TargetFlags & PushOptions;
/** The CLI's way in: URLs plus flags, secrets read into memory by resolveTarget. */
const push = (file: string, urls: string[], opts: Flags = {}, onEvent?: (target: string, e: PushEvent) => void) =>
  pushBundle(file, pushTargets(urls, opts), opts, onEvent);
const diagnose = async (url: string, flags: TargetFlags) => testConnection(await nodeFromUrl(url, flags));
const contentOf = async (url: string, flags: TargetFlags) => (await withNode(await nodeFromUrl(url, flags), (n) => n.content())).state;

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The repo's built CLI, as the node's remote command (interfaces.md `--remote-command`). */
const remoteCommand = `node ${join(repo, 'core/cli/bin.js')}`;

let sshd: Sshd;
let work: string;
let small: string;
let big: string;

async function newStore(): Promise<string> {
  const dir = mkdtempSync(join(work, 'store-'));
  await initStore(dir, { name: 'staging-node' });
  return dir;
}

const inbox = (store: string) => readdirSync(join(store, 'inbox'));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ps-push-'));
  sshd = await startSshd();
  small = join(work, 'posture-offline.zip');
  writeFileSync(small, await writeBundle({ seed: 3 }));
  big = join(work, 'big.zip');
  writeFileSync(big, await writeBundle({ seed: 4, scale: 15 }));
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('push over SFTP to a real OpenSSH sshd', () => {
  it("uploads, verifies remotely, renames and applies with the node's own CLI", async () => {
    const store = await newStore();
    const events: PushEvent[] = [];
    const target = `sftp://root@127.0.0.1:${sshd.port}${store}`;
    const r = await push(small, [target], { identity: sshd.identity, hostKey: sshd.hostKeyFingerprint, remoteCommand }, (_t, e) =>
      events.push(e),
    );
    expect(r.exitCode).toBe(0);
    expect(r.targets[0]?.ok).toBe(true);
    expect(r.targets[0]?.applied.map((a) => a.component)).toContain('conditions');
    expect((await readStatus(store)).versions.conditions).toBe('300418.0.0.0');
    // neither the part nor the applied bundle stays in the node's inbox
    expect(inbox(store)).toEqual([]);
    expect(events.map((e) => e.step)).toEqual(expect.arrayContaining(['check', 'connect', 'upload', 'verify', 'apply', 'done']));
    // the same bundle again: every component skipped as same-version
    const again = await push(small, [target], { identity: sshd.identity, knownHosts: [sshd.knownHosts], remoteCommand });
    expect(again.targets[0]?.applied).toEqual([]);
    expect(again.targets[0]?.skipped.every((s) => s.reason === 'same-version')).toBe(true);
  });

  it('a wrong or unknown host key sends nothing', async () => {
    const store = await newStore();
    const before = await readStatus(store);
    const target = `sftp://root@127.0.0.1:${sshd.port}${store}`;
    const wrong = await push(small, [target], { identity: sshd.identity, hostKey: 'SHA256:' + 'A'.repeat(43), remoteCommand });
    expect(wrong.targets[0]?.error?.code).toBe('HOST_KEY_MISMATCH');
    expect(wrong.exitCode).toBe(2);
    const emptyKnown = join(work, 'empty_known_hosts');
    writeFileSync(emptyKnown, '');
    const unknown = await push(small, [target], { identity: sshd.identity, knownHosts: [emptyKnown], remoteCommand });
    expect(unknown.targets[0]?.error?.code).toBe('HOST_KEY_UNKNOWN');
    expect(unknown.targets[0]?.error?.details?.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(inbox(store)).toEqual([]);
    expect(await readStatus(store)).toEqual(before);
  });

  it('a connection killed mid-upload is resumed from the remote .part', async () => {
    const store = await newStore();
    let killed = false;
    const r = await push(
      big,
      [`sftp://root@127.0.0.1:${sshd.port}${store}`],
      { identity: sshd.identity, hostKey: sshd.hostKeyFingerprint, remoteCommand },
      (_t, e) => {
        if (!killed && e.step === 'upload' && e.total && (e.done ?? 0) > e.total * 0.3) {
          killed = true;
          sshd.killSessions();
        }
      },
    );
    expect(killed).toBe(true);
    expect(r.targets[0]?.error).toBeUndefined();
    expect(r.targets[0]?.resumedFrom).toBeGreaterThan(0);
    expect((await readStatus(store)).versions.conditions).toBe('300418.0.0.0');
  });

  it('without retries a cut upload is a clean TRANSFER_INTERRUPTED and the node is unchanged', async () => {
    const store = await newStore();
    const before = await readStatus(store);
    let killed = false;
    const r = await push(
      big,
      [`sftp://root@127.0.0.1:${sshd.port}${store}`],
      { identity: sshd.identity, hostKey: sshd.hostKeyFingerprint, remoteCommand, retries: 0 },
      (_t, e) => {
        if (!killed && e.step === 'upload' && e.total && (e.done ?? 0) > e.total * 0.3) {
          killed = true;
          sshd.killSessions();
        }
      },
    );
    expect(r.targets[0]?.error?.code).toBe('TRANSFER_INTERRUPTED');
    expect(r.exitCode).toBe(3);
    expect(await readStatus(store)).toEqual(before);
    expect(inbox(store).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('a damaged remote .part is caught by the remote SHA-256 check and re-sent from the start', async () => {
    const store = await newStore();
    const sha = createHash('sha256').update(readFileSync(small)).digest('hex');
    writeFileSync(join(store, 'inbox', `.${sha}.zip.part`), Buffer.alloc(1000, 7));
    const r = await push(small, [`sftp://root@127.0.0.1:${sshd.port}${store}`], {
      identity: sshd.identity,
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
      dryRun: true,
    });
    expect(r.targets[0]?.error).toBeUndefined();
    expect(r.targets[0]?.resumedFrom).toBeUndefined();
    expect(inbox(store)).toEqual([`${sha}.zip`]);
  });

  it('a refused bundle is never uploaded', async () => {
    const store = await newStore();
    const bad = join(work, 'bad.zip');
    writeFileSync(bad, 'not a zip');
    await expect(
      push(bad, [`sftp://root@127.0.0.1:${sshd.port}${store}`], {
        identity: sshd.identity,
        hostKey: sshd.hostKeyFingerprint,
        remoteCommand,
      }),
    ).rejects.toMatchObject({ code: 'NOT_A_ZIP' });
    expect(inbox(store)).toEqual([]);
  });

  it('key with passphrase: right one logs in, wrong one is AUTH_FAILED', async () => {
    const store = await newStore();
    const target = `sftp://root@127.0.0.1:${sshd.port}${store}`;
    const ok = await push(small, [target], {
      identity: sshd.identityWithPassphrase,
      passphrase: sshd.passphrase,
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
      dryRun: true,
    });
    expect(ok.targets[0]?.ok).toBe(true);
    const bad = await push(small, [target], {
      identity: sshd.identityWithPassphrase,
      passphrase: 'nope',
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
    });
    expect(bad.targets[0]?.error?.code).toBe('AUTH_FAILED');
  });

  it('reads the host key for first contact, the node content for diff, and diagnoses step by step', async () => {
    const store = await newStore();
    const key = await readHostKey('127.0.0.1', sshd.port);
    expect(key.fingerprint).toBe(sshd.hostKeyFingerprint);
    const state = await contentOf(`sftp://root@127.0.0.1:${sshd.port}${store}`, {
      identity: sshd.identity,
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
    });
    expect(state.versions.conditions).toBe('0.0.0.0');
    const good = await diagnose(`sftp://root@127.0.0.1:${sshd.port}${store}`, {
      identity: sshd.identity,
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
    });
    expect(good.ok).toBe(true);
    // as far as a push goes: the remote command runs, the store answers and its inbox takes a file
    expect(good.steps.map((s) => s.step)).toEqual(['dns', 'tcp', 'ssh', 'auth', 'command', 'store']);
    expect(good.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    const noCommand = await diagnose(`sftp://root@127.0.0.1:${sshd.port}${store}`, {
      identity: sshd.identity,
      hostKey: sshd.hostKeyFingerprint,
    });
    expect(noCommand.failedStep).toBe('command');
    expect(noCommand.error?.code).toBe('NOT_FOUND');
    const badKey = await diagnose(`sftp://root@127.0.0.1:${sshd.port}${store}`, {
      identity: sshd.identity,
      hostKey: 'SHA256:' + 'B'.repeat(43),
    });
    expect(badKey.failedStep).toBe('ssh');
    expect(badKey.error?.code).toBe('HOST_KEY_MISMATCH');
  });
});

describe('push over HTTPS to the node agent, several targets at once', () => {
  let agent: AgentServer;
  let store: string;
  let fingerprint: string;
  let tokenFile: string;
  beforeAll(async () => {
    store = await newStore();
    const init = await initStore(store);
    fingerprint = init.fingerprint;
    tokenFile = init.tokenFile;
    agent = await startAgentServer({ store, host: '127.0.0.1', port: 0, log: () => {} });
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('a wrong pin sends nothing; the right pin pushes; one failed target does not stop the others', async () => {
    const before = await readStatus(store);
    const wrong = await push(small, [`https://127.0.0.1:${agent.port}`], { tokenFile, fingerprint: 'SHA256:' + 'C'.repeat(43) });
    expect(wrong.targets[0]?.error?.code).toBe('FINGERPRINT_MISMATCH');
    expect(await readStatus(store)).toEqual(before);

    const sftpStore = await newStore();
    const r = await push(
      small,
      [
        `https://127.0.0.1:${agent.port}`,
        `sftp://root@127.0.0.1:${sshd.port}${sftpStore}`,
        `sftp://root@127.0.0.1:${sshd.port}${await newStore()}`,
      ],
      { tokenFile, fingerprint, identity: sshd.identity, knownHosts: [sshd.knownHosts], remoteCommand },
      () => {},
    );
    expect(r.targets.map((t) => t.ok)).toEqual([true, true, true]);
    expect((await readStatus(store)).versions.avasWindows).toBe('297.0.0.0');

    const mixed = await push(small, [`https://127.0.0.1:${agent.port}`, `sftp://root@127.0.0.1:${sshd.port}${sftpStore}`], {
      tokenFile,
      fingerprint,
      identity: sshd.identity,
      hostKey: 'SHA256:' + 'D'.repeat(43),
      remoteCommand,
    });
    expect(mixed.targets[0]?.ok).toBe(true);
    expect(mixed.targets[1]?.error?.code).toBe('HOST_KEY_MISMATCH');
    expect(mixed.exitCode).toBe(2);
    expect(mixed.ok).toBe(false);
  });

  it('a refused HTTPS push leaves no handle open on the bundle file', async () => {
    const openOnBundle = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === big;
        } catch {
          return false;
        }
      }).length;
    const missing = await push(big, [`https://127.0.0.1:${agent.port}`], { tokenFile: join(work, 'no-such-token'), fingerprint });
    expect(missing.targets[0]?.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('--token-file') });
    const wrongToken = join(work, 'wrong-token');
    writeFileSync(wrongToken, 'nope\n');
    const refused = await push(big, [`https://127.0.0.1:${agent.port}`], {
      tokenFile: wrongToken,
      fingerprint: 'SHA256:' + 'C'.repeat(43),
    });
    expect(refused.targets[0]?.error?.code).toBe('FINGERPRINT_MISMATCH');
    const unauthorized = await push(big, [`https://127.0.0.1:${agent.port}`], { tokenFile: wrongToken, fingerprint });
    expect(unauthorized.targets[0]?.error?.code).toBe('AUTH_FAILED');
    // closing a file is asynchronous: give it a moment on a busy machine
    for (let i = 0; i < 50 && openOnBundle() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(openOnBundle()).toBe(0);
  });

  it('diff source and diagnostics over HTTPS', async () => {
    const state = await contentOf(`https://127.0.0.1:${agent.port}`, { tokenFile, fingerprint });
    expect(state.versions).toBeDefined();
    const report = await diagnose(`https://127.0.0.1:${agent.port}`, { tokenFile, fingerprint: 'SHA256:' + 'E'.repeat(43) });
    expect(report.failedStep).toBe('tls');
    const ok = await diagnose(`https://127.0.0.1:${agent.port}`, { tokenFile, fingerprint });
    expect(ok.ok).toBe(true);
    const badToken = join(work, 'bad-token');
    writeFileSync(badToken, 'nope\n');
    const auth = await diagnose(`https://127.0.0.1:${agent.port}`, { tokenFile: badToken, fingerprint });
    expect(auth.failedStep).toBe('auth');
    expect(auth.error?.code).toBe('AUTH_FAILED');
  });
});

describe('resumeOffset', () => {
  it('resumes on a chunk boundary before the window of writes that may have been in flight', async () => {
    const { resumeOffset } = await import('./sftp-upload.js');
    const chunk = 64 * 1024;
    expect(resumeOffset(0, 10 * 1024 * 1024)).toBe(0);
    expect(resumeOffset(32 * chunk, 10 * 1024 * 1024)).toBe(0);
    expect(resumeOffset(40 * chunk + 123, 10 * 1024 * 1024)).toBe(8 * chunk);
    expect(resumeOffset(11 * 1024 * 1024, 10 * 1024 * 1024)).toBe(0); // a part larger than the file is stale
  });
});
