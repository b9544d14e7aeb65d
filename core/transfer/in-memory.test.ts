/**
 * Secrets handed over in memory (`token`, `privateKey` + `passphrase`): push, diagnostics, node content
 * and the node client's reads work without any token or key file, and nothing is written to the data folder
 * while they run (the app keeps these secrets in its keychain only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
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
const remoteCommand = `node ${join(repo, 'core/cli/bin.js')}`;

let sshd: Sshd;
let work: string;
let home: string;
let bundle: string;
let agent: AgentServer;
let httpsStore: string;
let token: string;
let fingerprint: string;
let watcher: FSWatcher;
const written: string[] = [];
const savedHome = process.env.POSTURE_STAGE_HOME;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ps-inmem-'));
  // the data folder the app would use; every write under it during a call is recorded
  home = mkdtempSync(join(tmpdir(), 'ps-inmem-home-'));
  process.env.POSTURE_STAGE_HOME = home;
  watcher = watch(home, { recursive: true }, (_e, name) => written.push(String(name)));
  sshd = await startSshd();
  bundle = join(work, 'posture-offline.zip');
  writeFileSync(bundle, await writeBundle({ seed: 3 }));
  httpsStore = mkdtempSync(join(work, 'store-'));
  const init = await initStore(httpsStore, { name: 'ise-https' });
  fingerprint = init.fingerprint;
  token = readFileSync(init.tokenFile, 'utf8').trim();
  agent = await startAgentServer({ store: httpsStore, host: '127.0.0.1', port: 0, log: () => {} });
});

afterAll(async () => {
  watcher?.close();
  await agent?.close();
  await sshd?.stop();
  if (savedHome === undefined) delete process.env.POSTURE_STAGE_HOME;
  else process.env.POSTURE_STAGE_HOME = savedHome;
  rmSync(work, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('secrets in memory', () => {
  it('pushes over HTTPS with the token and over SFTP with a passphrase-protected key, no files involved', async () => {
    const sftpStore = mkdtempSync(join(work, 'store-'));
    await initStore(sftpStore, { name: 'ise-sftp' });
    const privateKey = readFileSync(sshd.identityWithPassphrase, 'utf8');
    const r = await push(bundle, [`https://127.0.0.1:${agent.port}`, `sftp://root@127.0.0.1:${sshd.port}${sftpStore}`], {
      token,
      fingerprint,
      privateKey,
      passphrase: sshd.passphrase,
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
    });
    expect(r.targets.map((t) => [t.ok, t.error?.code])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    expect((await readStatus(httpsStore)).versions.conditions).toBe('300418.0.0.0');
    expect((await readStatus(sftpStore)).versions.conditions).toBe('300418.0.0.0');

    // the SSH node view: status, history, ise-psc.log and content over one connection
    const sshNode = await nodeFromUrl(`sftp://root@127.0.0.1:${sshd.port}${sftpStore}`, {
      privateKey,
      passphrase: sshd.passphrase,
      hostKey: sshd.hostKeyFingerprint,
      remoteCommand,
    });
    await withNode(sshNode, async (node) => {
      expect((await node.status()).versions.conditions).toBe('300418.0.0.0');
      expect((await node.history())[0]).toMatchObject({ mode: 'apply', result: 'success' });
      expect((await node.log(30)).join('\n')).toContain('Completed opswat download');
      expect((await node.content()).state.versions.conditions).toBe('300418.0.0.0');
    });

    // diagnostics and node content with in-memory secrets
    expect((await diagnose(`https://127.0.0.1:${agent.port}`, { token, fingerprint })).ok).toBe(true);
    expect(
      (
        await diagnose(`sftp://root@127.0.0.1:${sshd.port}${sftpStore}`, {
          privateKey: readFileSync(sshd.identity),
          hostKey: sshd.hostKeyFingerprint,
          remoteCommand,
        })
      ).ok,
    ).toBe(true);
    expect((await contentOf(`https://127.0.0.1:${agent.port}`, { token, fingerprint })).versions.conditions).toBe('300418.0.0.0');

    // nothing was written to the data folder at any moment (not even a short-lived secret file)
    await new Promise((r) => setTimeout(r, 200));
    expect(written).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });

  it('a wrong in-memory token or key is refused with the same codes as files', async () => {
    const bad = await diagnose(`https://127.0.0.1:${agent.port}`, { token: 'nope', fingerprint });
    expect(bad.failedStep).toBe('auth');
    expect(bad.error?.code).toBe('AUTH_FAILED');
    const multi = await diagnose(`https://127.0.0.1:${agent.port}`, { token: 'a\nb', fingerprint });
    expect(multi.error?.code).toBe('USAGE');
    const wrongPass = await diagnose(`sftp://root@127.0.0.1:${sshd.port}/nowhere`, {
      privateKey: readFileSync(sshd.identityWithPassphrase, 'utf8'),
      passphrase: 'nope',
      hostKey: sshd.hostKeyFingerprint,
    });
    expect(wrongPass.failedStep).toBe('auth');
    expect(wrongPass.error?.code).toBe('AUTH_FAILED');
  });
});
