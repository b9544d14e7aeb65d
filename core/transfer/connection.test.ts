/**
 * The node client's contract: one suite, run against both transports — HTTPS (a real agent server over
 * TLS) and SSH (a real OpenSSH sshd, the remote command being this checkout's CLI). Same calls, same
 * results, same error codes: unauthorized → AUTH_FAILED, closed port → UNREACHABLE step tcp, wrong pin →
 * FINGERPRINT_MISMATCH / HOST_KEY_MISMATCH, downgrade → DOWNGRADE_REFUSED, a hostile bundle sent past the
 * local check → refused by the node (ZIP_UNSAFE_PATH), cancel before apply → CANCELLED with the node unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import { writeBundle } from '../bundle/index.js';
import { initStore, readHistory, readStatus, startAgentServer, type AgentServer } from '../agent/index.js';
import { hostileBundles } from '../agent/testing.js';
import { freePort, startSshd, type Sshd } from '../../e2e/peers/index.js';
import { pushBundle, withNode, type NodeConnection, type NodeTarget, type PushEvent } from './index.js';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const remoteCommand = `${process.execPath} ${join(repo, 'core/cli/bin.js')}`;

let sshd: Sshd;
let work: string;
const agents: AgentServer[] = [];
const files: Record<'good' | 'older' | 'hostile' | 'big', string> = { good: '', older: '', hostile: '', big: '' };

interface Node {
  target: NodeTarget;
  store: string;
}

/** A fresh node store, reached over `kind`. */
async function newNode(kind: 'https' | 'sftp'): Promise<Node> {
  const store = mkdtempSync(join(work, `${kind}-`));
  const init = await initStore(store, { name: `ise-${kind}` });
  if (kind === 'https') {
    const agent = await startAgentServer({ store, host: '127.0.0.1', port: 0, log: () => {} });
    agents.push(agent);
    const origin = `https://127.0.0.1:${agent.port}`;
    const token = readFileSync(init.tokenFile, 'utf8').trim();
    return { store, target: { kind, host: '127.0.0.1', port: agent.port, origin, token, fingerprint: init.fingerprint } };
  }
  return {
    store,
    target: {
      kind,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      store,
      hostKey: sshd.hostKeyFingerprint,
      privateKey: readFileSync(sshd.identity),
      remoteCommand,
    },
  };
}

/** The node's state as the agent itself reads it (the client's view is checked against this). */
async function nodeState(store: string) {
  return { status: await readStatus(store), history: await readHistory(store) };
}

/** What a refused apply must leave as it was (the last-attempt line says it was refused, by design). */
async function installed(store: string) {
  const { versions, lastSuccessfulUpdate, defaultPoliciesCreated } = await readStatus(store);
  return { versions, lastSuccessfulUpdate, defaultPoliciesCreated };
}

function upload(node: NodeConnection, file: string, cancel?: AbortController) {
  const bytes = readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return node.upload({
    file,
    size: bytes.length,
    sha256,
    name: `${sha256}.zip`,
    ...(cancel ? { signal: cancel.signal, onProgress: (done, total) => done > total * 0.3 && cancel.abort() } : {}),
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ps-contract-'));
  sshd = await startSshd();
  const good = await writeBundle({ seed: 3 });
  files.good = join(work, 'good.zip');
  writeFileSync(files.good, good);
  files.older = join(work, 'older.zip');
  writeFileSync(files.older, await writeBundle({ seed: 9, versions: { conditions: '280052.0.0.0' } }));
  const unsafe = (await hostileBundles(good)).find((h) => h.code === 'ZIP_UNSAFE_PATH');
  if (!unsafe) throw new Error('no unsafe-path fixture');
  files.hostile = join(work, 'hostile.zip');
  writeFileSync(files.hostile, unsafe.bytes);
  files.big = join(work, 'big.zip');
  writeFileSync(files.big, await writeBundle({ seed: 4, scale: 15 }));
});

afterAll(async () => {
  for (const a of agents) await a.close();
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** What each transport answered, compared across transports at the end. */
const seen: Record<string, unknown> = {};

describe.each(['https', 'sftp'] as const)('node client over %s', (kind) => {
  it('status, upload, verify, apply, history, log, content and policies read what the node holds', async () => {
    const { target, store } = await newNode(kind);
    const answers = await withNode(target, async (node) => {
      const before = await node.status();
      expect(before).toEqual((await nodeState(store)).status);
      const uploaded = await upload(node, files.good);
      expect(await node.verify(uploaded.file)).toEqual(uploaded);
      const applied = await node.apply(uploaded.file);
      const after = await node.status();
      expect(after).toEqual((await nodeState(store)).status);
      const history = await node.history();
      expect(history).toEqual((await nodeState(store)).history);
      const log = await node.log(50);
      const content = await node.content();
      const policies = await node.policies();
      // the applied bundle is kept for the hand-off to ISE, and comes back byte for byte, verified
      const staged = await node.staged();
      const copy = join(work, `${kind}-handoff.zip`);
      const downloaded = await node.download({ sha256: uploaded.sha256, size: uploaded.size, to: copy });
      expect(readFileSync(copy)).toEqual(readFileSync(files.good));
      await expect(node.download({ sha256: uploaded.sha256, size: uploaded.size, to: copy })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(node.download({ sha256: 'e'.repeat(64), size: 1, to: `${copy}.none` })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      return { before, uploaded, applied, after, history, log, content, policies, staged, downloaded };
    });
    expect(answers.applied.applied.map((a) => a.component)).toContain('conditions');
    expect(answers.after.versions.conditions).toBe('300418.0.0.0');
    expect(answers.log.join('\n')).toContain('Completed opswat download');
    expect(answers.content.state.versions).toEqual(answers.after.versions);
    expect(answers.policies.length).toBeGreaterThan(0);
    // what may differ between two nodes: time stamps, who applied (token name vs SSH user), the node's name
    seen[kind] = {
      uploaded: answers.uploaded,
      applied: {
        ...answers.applied,
        status: { ...answers.applied.status, lastSuccessfulUpdate: '…', lastUpdateStatus: '…', name: '…' },
        staged: { ...answers.applied.staged, stagedAt: '…', by: '…' },
      },
      staged: answers.staged.map(({ stagedAt: _at, by: _by, ...s }) => s),
      downloaded: answers.downloaded,
      versions: answers.after.versions,
      history: answers.history.map(({ at: _at, who: _who, ...h }) => h),
      log: answers.log.filter((l) => /opswat download/.test(l)).map((l) => l.replace(/^.*?(?=Starting|Completed)/, '')),
      content: answers.content.state,
      policies: answers.policies.map(({ createdAt: _c, ...p }) => p),
    };
  });

  it('unauthorized: a wrong token or SSH key is AUTH_FAILED and nothing changes', async () => {
    const { target, store } = await newNode(kind);
    const before = await nodeState(store);
    const wrong: NodeTarget =
      target.kind === 'https'
        ? { ...target, token: 'not-the-token' }
        : { ...target, privateKey: ssh2.utils.generateKeyPairSync('ed25519').private };
    await expect(withNode(wrong, (node) => node.status())).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const r = await pushBundle(files.good, [{ id: 'n', node: wrong }]);
    expect(r.targets[0]?.error?.code).toBe('AUTH_FAILED');
    expect(await nodeState(store)).toEqual(before);
  });

  it('unreachable: a closed port is UNREACHABLE at step tcp, with no advice meant for the update feed', async () => {
    const { target } = await newNode(kind);
    const port = await freePort();
    const closed: NodeTarget = target.kind === 'https' ? { ...target, port, origin: `https://127.0.0.1:${port}` } : { ...target, port };
    const err = await withNode(closed, (node) => node.status()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNREACHABLE', details: { step: 'tcp' } });
    expect(JSON.stringify(err)).not.toMatch(/cisco|UDP 123|Update Feed|Remote Address/);
  });

  it('a wrong certificate pin or host key is refused before anything is sent', async () => {
    const { target, store } = await newNode(kind);
    const before = await nodeState(store);
    const other = `SHA256:${'Q'.repeat(43)}`;
    const wrong: NodeTarget = target.kind === 'https' ? { ...target, fingerprint: other } : { ...target, hostKey: other };
    const code = kind === 'https' ? 'FINGERPRINT_MISMATCH' : 'HOST_KEY_MISMATCH';
    await expect(withNode(wrong, (node) => node.status())).rejects.toMatchObject({ code });
    const r = await pushBundle(files.good, [{ id: 'n', node: wrong }]);
    expect(r.targets[0]?.error?.code).toBe(code);
    expect(await nodeState(store)).toEqual(before);
  });

  it('downgrade: an older bundle is DOWNGRADE_REFUSED by the node and the node keeps its state', async () => {
    const { target, store } = await newNode(kind);
    expect((await pushBundle(files.good, [{ id: 'n', node: target }])).ok).toBe(true);
    const before = await installed(store);
    const r = await pushBundle(files.older, [{ id: 'n', node: target }]);
    expect(r.targets[0]?.error?.code).toBe('DOWNGRADE_REFUSED');
    expect(r.exitCode).toBe(2);
    expect(await installed(store)).toEqual(before);
  });

  it('a hostile bundle sent past the local check (upload + apply) is refused by the node itself', async () => {
    const { target, store } = await newNode(kind);
    const before = await installed(store);
    const err = await withNode(target, async (node) => node.apply((await upload(node, files.hostile)).file)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ZIP_UNSAFE_PATH' });
    expect(await installed(store)).toEqual(before);
    expect((await readHistory(store))[0]).toMatchObject({ result: 'refused', error: { code: 'ZIP_UNSAFE_PATH' } });
    // the local check refuses it before any byte leaves
    await expect(pushBundle(files.hostile, [{ id: 'n', node: target }])).rejects.toMatchObject({ code: 'ZIP_UNSAFE_PATH' });
  });

  it('cancel: before the apply it is CANCELLED with the node unchanged; once the apply is sent it is reported as applied', async () => {
    const { target, store } = await newNode(kind);
    const before = await nodeState(store);
    // cancelled while the node verifies the upload: nothing is applied
    const early = new AbortController();
    const stopped = await pushBundle(files.good, [{ id: 'n', node: target }], { signal: early.signal }, (_t, e: PushEvent) => {
      if (e.step === 'verify') early.abort();
    });
    expect(stopped.targets[0]?.error?.code).toBe('CANCELLED');
    expect(stopped.exitCode).toBe(3);
    expect(await nodeState(store)).toEqual(before);
    // cancelled mid-upload: the socket is closed, the call ends CANCELLED
    const cut = await withNode(target, (node) => upload(node, files.big, new AbortController())).catch((e: unknown) => e);
    expect(cut).toMatchObject({ code: 'CANCELLED' });
    // an already cancelled call sends nothing
    const gone = new AbortController();
    gone.abort();
    await expect(withNode(target, (node) => node.status({ signal: gone.signal }))).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await nodeState(store)).toEqual(before);
    // cancelled once the apply was sent: the node applied, and that is what is reported
    const late = new AbortController();
    const done = await pushBundle(files.good, [{ id: 'n', node: target }], { signal: late.signal }, (_t, e: PushEvent) => {
      if (e.step === 'apply') late.abort();
    });
    expect(done.targets[0]).toMatchObject({ ok: true });
    expect(done.targets[0]?.applied.map((a) => a.component)).toContain('conditions');
    expect((await readStatus(store)).versions.conditions).toBe('300418.0.0.0');
  });
});

describe('both transports', () => {
  it('gave the same answers to the same calls', () => {
    expect(seen.https).toBeDefined();
    expect(seen.sftp).toEqual(seen.https);
  });
});
