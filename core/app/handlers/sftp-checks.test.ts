/**
 * Test connection of an SFTP target goes as far as a push does (issue 12 §4), against a real OpenSSH sshd:
 * the remote command runs (`CMD --version`), the store path is a node store whose inbox the login may write,
 * and the node's agent version is reported — an older agent is marked so the app offers the kit (issue 13 §2).
 * A wrong store path or remote command fails at its own step, in the app's words, before anything is saved;
 * the login may come from a real ssh-agent instead of a key file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, type HandlerContext } from './context.js';
import { createHandlers } from './index.js';
import { handlerClient } from './testing.js';
import { fileSecretBox } from '../secrets.js';
import type { HandlerTable } from '../contract.js';
import { initStore } from '../../agent/index.js';
import { VERSION } from '../../version.js';
import { startSshAgent, startSshd, type SshAgent, type Sshd } from '../../../e2e/peers/index.js';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const cli = `${process.execPath} ${join(repo, 'core/cli/bin.js')}`;

let home: string;
let work: string;
let sshd: Sshd;
let agent: SshAgent;
let ctx: HandlerContext;
let handlers: HandlerTable;
let store: string;
const { call, refusal } = handlerClient(() => handlers);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ps-sftp-checks-'));
  work = mkdtempSync(join(tmpdir(), 'ps-sftp-checks-node-'));
  sshd = await startSshd();
  agent = await startSshAgent([sshd.identity]);
  store = join(work, 'store');
  await initStore(store, { name: 'staging-sftp' });
  ctx = createContext({ home, shell: 'browser', secrets: fileSecretBox(home) });
  handlers = createHandlers(ctx);
});

afterAll(async () => {
  await ctx?.dispose();
  await agent?.stop();
  await sshd?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const target = (over: Record<string, unknown> = {}) => ({
  kind: 'sftp',
  name: 'staging-sftp',
  host: '127.0.0.1',
  port: sshd.port,
  user: sshd.user,
  storePath: store,
  hostKey: sshd.hostKeyFingerprint,
  privateKey: readFileSync(sshd.identity, 'utf8'),
  remoteCommand: cli,
  ...over,
});

describe('SFTP Test connection: remote command and store path', () => {
  it('runs the remote command, checks the store and its inbox, and reports the agent version', async () => {
    const saved = await call('saveTarget', target());
    expect(saved.seen).toMatchObject({ agentVersion: VERSION, vsApp: 'same' });
    const test = await call('testTarget', { id: saved.id });
    expect(test.ok).toBe(true);
    expect(test.steps.map((s) => s.step)).toEqual(['dns', 'tcp', 'ssh', 'auth', 'command', 'store']);
    expect(test.steps.find((s) => s.step === 'command')?.message).toContain(`(posture-stage ${VERSION})`);
    expect(test.steps.find((s) => s.step === 'store')?.message).toMatch(/is a node store \(staging-sftp\); root may write its inbox/);
    expect(test.agentVersion).toBe(VERSION);
    await call('removeTarget', { id: saved.id });
  });

  it('refuses to save a wrong store path or remote command, each at its own step, in the app’s words', async () => {
    const empty = join(work, 'not-a-store');
    mkdirSync(empty);
    const noStore = await refusal('saveTarget', target({ storePath: empty }));
    expect(noStore).toMatchObject({ code: 'NOT_FOUND', details: { step: 'store' } });
    expect(noStore.message).toMatch(/^The store path is not a node store on that host: .*Correct the store path/);

    const noInbox = join(work, 'no-inbox');
    await initStore(noInbox, { name: 'no-inbox' });
    rmSync(join(noInbox, 'inbox'), { recursive: true });
    const inbox = await refusal('saveTarget', target({ storePath: noInbox }));
    expect(inbox).toMatchObject({ code: 'NOT_FOUND', details: { step: 'store' } });
    expect(inbox.message).toContain('has no inbox folder');

    const noCommand = await refusal('saveTarget', target({ remoteCommand: '/nonexistent/posture-stage' }));
    expect(noCommand).toMatchObject({ code: 'NOT_FOUND', details: { step: 'command' } });
    expect(noCommand.message).toMatch(/was not found on the node\. Install the node kit there, or correct the remote command\./);
    expect(await call('listTargets')).toEqual([]);
  });

  it('marks a node whose agent is older than the app', async () => {
    // the node's posture-stage reports an older version (a wrapper around this one, as a node not yet upgraded)
    const old = join(work, 'old-posture-stage');
    writeFileSync(
      old,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then echo 0.0.9; exit 0; fi\n${cli} "$@" | sed 's/"agentVersion":"[^"]*"/"agentVersion":"0.0.9"/'\n`,
    );
    chmodSync(old, 0o755);
    const saved = await call('saveTarget', target({ name: 'staging-old', remoteCommand: old }));
    expect(saved.seen).toMatchObject({ agentVersion: '0.0.9', vsApp: 'older' });
    expect((await call('nodeStatus', { id: saved.id })).status.agentVersion).toBe('0.0.9');
    const listed = (await call('listTargets')).find((t) => t.id === saved.id);
    expect(listed?.seen?.vsApp).toBe('older');
    await call('removeTarget', { id: saved.id });
  });

  it('logs in with the keys of an ssh-agent', async () => {
    const before = process.env.SSH_AUTH_SOCK;
    try {
      delete process.env.SSH_AUTH_SOCK;
      const none = await refusal('saveTarget', target({ privateKey: undefined, agent: true }));
      expect(none.message).toContain('SSH_AUTH_SOCK is not set');
      process.env.SSH_AUTH_SOCK = agent.socket;
      expect((await call('appInfo')).sshAgent).toBe(true);
      const saved = await call('saveTarget', target({ name: 'via-agent', privateKey: undefined, agent: true }));
      expect(saved.auth).toBe('agent');
      expect(readFileSync(join(home, 'targets.json'), 'utf8')).not.toContain('PRIVATE KEY');
      expect((await call('testTarget', { id: saved.id })).ok).toBe(true);
      // switching it to a key file: an edit, checked with the node
      const edited = await call('updateTarget', {
        ...target({ name: 'via-agent' }),
        id: saved.id,
        auth: 'key',
      });
      expect(edited.auth).toBe('key');
    } finally {
      if (before === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = before;
    }
  });
});
