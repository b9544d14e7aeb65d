/**
 * Targets that can be fixed in place (issue 12 §4), against real node agents over HTTPS: a wrong token is caught
 * before the target is saved, in the app's words; a token the node stopped taking is replaced by editing the
 * target (same id, no remove/add); a new certificate is pinned only when the edit names the pin it replaces; a
 * new name needs no contact with the node. Every node reports its agent version, kept with the target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type HandlerContext } from './context.js';
import { createHandlers } from './index.js';
import { handlerClient } from './testing.js';
import { fileSecretBox } from '../secrets.js';
import type { HandlerTable } from '../contract.js';
import { addToken, initStore, readToken, revokeToken, startAgentServer, type AgentServer } from '../../agent/index.js';
import { VERSION } from '../../version.js';

let home: string;
let nodes: string;
let ctx: HandlerContext;
let handlers: HandlerTable;
const servers: AgentServer[] = [];
const { call, refusal } = handlerClient(() => handlers);

async function node(name: string): Promise<{ store: string; server: AgentServer; token: string }> {
  const store = join(nodes, name);
  await initStore(store, { name });
  const server = await startAgentServer({ store, host: '127.0.0.1', port: 0, log: () => {} });
  servers.push(server);
  return { store, server, token: await readToken(store) };
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ps-targets-'));
  nodes = mkdtempSync(join(tmpdir(), 'ps-target-nodes-'));
  ctx = createContext({ home, shell: 'browser', secrets: fileSecretBox(home) });
  handlers = createHandlers(ctx);
});

afterAll(async () => {
  await ctx.dispose();
  for (const s of servers) await s.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(nodes, { recursive: true, force: true });
});

describe('targets: checked before saving, edited in place', () => {
  it('saves a target only once the node took its token; edits the token after the node stopped taking it', async () => {
    const a = await node('staging-a');
    const probe = await call('probeTarget', { kind: 'https', url: a.server.url });
    expect(probe.fingerprint).toBe(a.server.fingerprint);
    const input = { kind: 'https', name: 'staging-a', url: a.server.url, fingerprint: probe.fingerprint };

    // a wrong token: refused before anything is saved, in the form's words (no CLI flag, no header)
    const wrong = await refusal('saveTarget', { ...input, token: 'x'.repeat(43) });
    expect(wrong.code).toBe('AUTH_FAILED');
    expect(wrong.message).toMatch(/^The node refused the API token \(401\)\. Enter the token the node gave/);
    expect(wrong.message).not.toMatch(/--|Bearer|Authorization/);
    expect(wrong.details).toMatchObject({ step: 'auth' });
    expect(await call('listTargets')).toEqual([]);

    const ops = await addToken(a.store, 'ops');
    const saved = await call('saveTarget', { ...input, token: ops.token });
    expect(saved).toMatchObject({ name: 'staging-a', auth: 'token', seen: { agentVersion: VERSION } });
    expect(readFileSync(join(home, 'targets.json'), 'utf8')).not.toContain(ops.token);

    // the node stops taking that token: Test connection and Node status say what to do, in the app's words
    await revokeToken(a.store, 'ops');
    const test = await call('testTarget', { id: saved.id });
    expect(test.ok).toBe(false);
    expect(test.error?.code).toBe('AUTH_FAILED');
    expect(test.error?.message).toMatch(/^The node refused the API token \(401\)\. Edit the target and enter the token/);
    const status = await refusal('nodeStatus', { id: saved.id });
    expect(status.message).toMatch(/Edit the target and enter the token/);

    // an edit with another wrong token changes nothing
    const edit = { ...input, id: saved.id };
    expect((await refusal('updateTarget', { ...edit, token: 'y'.repeat(43) })).code).toBe('AUTH_FAILED');
    expect((await call('testTarget', { id: saved.id })).ok).toBe(false);

    // the right one: same target, same id, now working
    const fixed = await call('updateTarget', { ...edit, token: a.token });
    expect(fixed.id).toBe(saved.id);
    expect(await call('listTargets')).toHaveLength(1);
    const after = await call('testTarget', { id: saved.id });
    expect(after.ok).toBe(true);
    expect(after.agentVersion).toBe(VERSION);
    expect(after.steps.find((s) => s.step === 'auth')?.message).toContain(`posture-stage ${VERSION}`);
    expect((await call('listActivity'))[0]).toMatchObject({ kind: 'target', what: expect.stringContaining('credentials changed') });
  });

  it('re-pins a new certificate only when the edit names the pin it replaces; a new name needs no contact', async () => {
    const b = await node('staging-b');
    const t = await call('saveTarget', {
      kind: 'https',
      name: 'staging-b',
      url: b.server.url,
      fingerprint: b.server.fingerprint,
      token: b.token,
    });
    // the node is reinstalled: another certificate (and token) at another address
    const c = await node('staging-b-reinstalled');
    const moved = { kind: 'https', id: t.id, name: 'staging-b', url: c.server.url, fingerprint: c.server.fingerprint, token: c.token };
    const silent = await refusal('updateTarget', moved);
    expect(silent.code).toBe('USAGE');
    expect(silent.message).toContain(`from ${b.server.fingerprint} to ${c.server.fingerprint}`);
    expect((await refusal('updateTarget', { ...moved, replacesPin: c.server.fingerprint })).code).toBe('USAGE');
    const repinned = await call('updateTarget', { ...moved, replacesPin: b.server.fingerprint });
    expect(repinned).toMatchObject({ id: t.id, pinned: c.server.fingerprint, address: c.server.url });
    expect((await call('listActivity'))[0]?.what).toContain(`re-pinned from ${b.server.fingerprint} to ${c.server.fingerprint}`);

    // renaming and naming the deployment do not contact the node (it is down) and keep the token
    await c.server.close();
    const renamed = await call('updateTarget', { ...moved, name: 'staging-b2', deployment: 'ise-pan-02.example.com', token: '' });
    expect(renamed).toMatchObject({ id: t.id, name: 'staging-b2', deployment: 'ise-pan-02.example.com' });
    expect(ctx.targets.open(t.id)).toMatchObject({ kind: 'https', token: c.token });
  });

  it('leaves the lab node to the app', async () => {
    const lab = await call('startLab');
    const view = (await call('listTargets')).find((x) => x.id === lab.targetId)!;
    const error = await refusal('updateTarget', {
      kind: 'https',
      id: lab.targetId,
      name: 'renamed',
      url: view.address,
      fingerprint: view.pinned,
    });
    expect(error.message).toContain('managed by the app');
  });
});
