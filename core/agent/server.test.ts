import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initStore, startAgentServer, verifyStore, type AgentServer } from './index.js';
import { hashTree, sampleFile, storeClient, hostileBundles, unknownLayoutZips, OLD_VERSIONS, NEW_VERSIONS, sha256 } from './testing.js';
import { storePaths } from './paths.js';

let dir: string;
let oldZip: Uint8Array;
let newZip: Uint8Array;
let mixedZip: Uint8Array;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-server-'));
  oldZip = await readFile(await sampleFile(dir, 'old.zip', { versions: OLD_VERSIONS }));
  newZip = await readFile(await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS }));
  mixedZip = await readFile(await sampleFile(dir, 'mixed.zip', { versions: { ...NEW_VERSIONS, avasWindows: '298.0.0.0' } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh store, its agent on 127.0.0.1:0 and a client trusting only the store's cert. */
async function node(name: string, opts: { maxUploadBytes?: number } = {}) {
  const { store, fingerprint } = await initStore(join(dir, name));
  const access: string[] = [];
  const server: AgentServer = await startAgentServer({ store, port: 0, log: (l) => access.push(l), ...opts });
  const client = await storeClient(store, server.url);
  const put = (bytes: Uint8Array, query = '', sha = sha256(bytes)) =>
    client.call(`/api/v1/bundle${query}`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': 'application/zip', 'x-content-sha256': sha },
    });
  const close = async () => {
    await client.close();
    await server.close();
  };
  return { store, server, client, put, access, fingerprint, close };
}

const stateOnly = (store: string) => hashTree(store, ['logs', 'history.jsonl']);

/** A GET whose body is bytes (the staged bundle), with the answer's headers. */
async function fetchBytes(n: Awaited<ReturnType<typeof node>>, path: string) {
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: await readFile(storePaths(n.store).cert, 'utf8') } });
  try {
    const res = await fetch(n.server.url + path, { headers: { authorization: `Bearer ${n.server.token}` }, dispatcher });
    return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
  } finally {
    await dispatcher.close();
  }
}

describe('agent HTTPS API (real TLS, real client)', () => {
  it('healthz without auth; /api needs the bearer token; fingerprint is the served cert', async () => {
    const n = await node('auth');
    try {
      expect(n.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(n.server.fingerprint).toBe(n.fingerprint);
      expect(await n.client.call('/healthz', { auth: false })).toMatchObject({ status: 200, text: 'ok' });
      const no = await n.client.call('/api/v1/status', { auth: false });
      expect(no.status).toBe(401);
      expect(no.json).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      const wrong = await n.client.call('/api/v1/status', { auth: false, headers: { authorization: 'Bearer ' + 'x'.repeat(43) } });
      expect(wrong.status).toBe(401);
      const ok = await n.client.call('/api/v1/status');
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({
        ok: true,
        versions: { conditions: '0.0.0.0' },
        lastSuccessfulUpdate: null,
        updateMode: 'Offline',
        defaultPoliciesCreated: false,
        updating: false,
      });
      expect(n.access.length).toBeGreaterThanOrEqual(4);
      expect(n.access.join('\n')).not.toContain(n.client.token);
    } finally {
      await n.close();
    }
  });

  it('versions move old → new; same version skipped; downgrade refused 422; history and log follow', async () => {
    const n = await node('flow');
    try {
      const a = await n.put(oldZip);
      expect(a.status).toBe(200);
      expect(a.json).toMatchObject({ ok: true, sha256: sha256(oldZip), status: { versions: OLD_VERSIONS, defaultPoliciesCreated: true } });
      const b = await n.put(newZip);
      expect(b.json.status.versions).toEqual(NEW_VERSIONS);
      expect(b.json.applied).toContainEqual({ component: 'avas-mac', from: '181.0.0.0', to: '214.0.0.0' });
      const same = await n.put(newZip);
      expect(same.status).toBe(200);
      expect(same.json.applied).toEqual([]);
      expect(same.json.skipped.every((s: { reason: string }) => s.reason === 'same-version')).toBe(true);
      const before = await stateOnly(n.store);
      const down = await n.put(oldZip);
      expect(down.status).toBe(422);
      expect(down.json.error.code).toBe('DOWNGRADE_REFUSED');
      expect(await stateOnly(n.store)).toBe(before);
      const forced = await n.put(oldZip, '?allowDowngrade=1');
      expect(forced.json.status.versions).toEqual(OLD_VERSIONS);

      const hist = await n.client.call('/api/v1/history');
      expect(hist.json.updates.map((u: { result: string }) => u.result)).toEqual(['success', 'refused', 'success', 'success', 'success']);
      expect(hist.json.updates[0]).toMatchObject({ mode: 'apply', sha256: sha256(oldZip), who: 'admin' });
      const log = await n.client.call('/api/v1/log?lines=500');
      expect(log.status).toBe(200);
      expect(log.text).toMatch(
        /INFO {2}\[admin-http-pool\d+\]\[\[\]\] cisco\.cpm\.posture\.download\.DownloadManager -::admin::- Starting opswat download/,
      );
      expect(log.text).toMatch(/Offline download file URI :\S+osgroupsV2\.tar\.gz/);
      expect(log.text).toMatch(/ERROR .*DOWNGRADE_REFUSED/);
      expect((await n.client.call('/api/v1/log?lines=1')).text.trim().split('\n')).toHaveLength(1);
      const content = await n.client.call('/api/v1/content');
      expect(content.json).toMatchObject({ ok: true, status: { versions: OLD_VERSIONS }, state: { versions: OLD_VERSIONS } });
      expect(Object.keys(content.json.state.components).sort()).toHaveLength(6);
      expect(await readdir(storePaths(n.store).inbox)).toEqual([]);
    } finally {
      await n.close();
    }
  });

  it('dry run answers what would change and leaves the whole store tree unchanged', async () => {
    const n = await node('dry');
    try {
      await n.put(oldZip);
      const before = await hashTree(n.store);
      const r = await n.put(newZip, '?dryRun=1');
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ ok: true, dryRun: true, status: { versions: OLD_VERSIONS } });
      expect(r.json.applied).toHaveLength(6);
      expect(await hashTree(n.store)).toBe(before);
    } finally {
      await n.close();
    }
  });

  it('every hostile bundle → 422 with its code, store unchanged', async () => {
    const n = await node('hostile');
    try {
      await n.put(oldZip);
      const before = await stateOnly(n.store);
      for (const h of await hostileBundles(newZip)) {
        const r = await n.put(h.bytes);
        expect([h.name, r.status, r.json?.error?.code]).toEqual([h.name, 422, h.code]);
        expect(await stateOnly(n.store)).toBe(before);
      }
      expect((await n.client.call('/api/v1/status')).json.versions).toEqual(OLD_VERSIONS);
      expect((await verifyStore(n.store)).ok).toBe(true);
    } finally {
      await n.close();
    }
  });

  it("the bundle core's named hostile fixtures → 422 with their code over HTTPS, store unchanged", async () => {
    const { PAYLOAD_FIXTURES } = await import('../bundle/fixtures/payload.js');
    const container = await import('../bundle/fixtures/container.js');
    const cases: Array<{ name: string; code: string; build: () => Promise<Uint8Array> | Uint8Array }> = [
      // the unknown layout is not refused: it is staged (below)
      ...PAYLOAD_FIXTURES.filter((f) => !f.limits && f.code !== null).map((f) => ({
        name: f.name,
        code: f.code as string,
        build: f.build,
      })),
      { name: 'zip slip', code: 'ZIP_UNSAFE_PATH', build: container.parentPath },
      { name: 'symlink entry', code: 'ZIP_UNSAFE_PATH', build: container.symlinkEntry },
      { name: 'encrypted', code: 'ZIP_UNSUPPORTED', build: container.encrypted },
      { name: 'gzip', code: 'NOT_A_ZIP', build: container.gzipFile },
      { name: 'truncated', code: 'ZIP_CORRUPT', build: () => container.truncated(60) },
    ];
    expect(cases.length).toBeGreaterThan(20);
    const n = await node('fixtures');
    try {
      await n.put(oldZip);
      const before = await stateOnly(n.store);
      const got: string[] = [];
      for (const c of cases) {
        const r = await n.put(await c.build());
        got.push(`${c.name}: ${r.status} ${r.json?.error?.code}`);
      }
      expect(got).toEqual(cases.map((c) => `${c.name}: 422 ${c.code}`));
      expect(await stateOnly(n.store)).toBe(before);
      expect(await readdir(storePaths(n.store).inbox)).toEqual([]);
    } finally {
      await n.close();
    }
  });

  it('wrong or missing X-Content-SHA256 → 400 and nothing kept; over the cap → 413', async () => {
    const n = await node('checksum', { maxUploadBytes: 4 * 1024 * 1024 });
    try {
      const before = await hashTree(n.store, ['logs']);
      const bad = await n.put(newZip, '', 'f'.repeat(64));
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ code: 'REMOTE_CHECKSUM_MISMATCH', received: sha256(newZip) });
      const missing = await n.client.call('/api/v1/bundle', {
        method: 'PUT',
        body: newZip,
        headers: { 'content-type': 'application/zip' },
      });
      expect(missing.status).toBe(400);
      expect(await hashTree(n.store, ['logs'])).toBe(before);
      const big = new Uint8Array(5 * 1024 * 1024);
      const tooBig = await n.put(big);
      expect(tooBig.status).toBe(413);
      expect(tooBig.json.error.code).toBe('TOO_LARGE');
      // no Content-Length (chunked): the cap is enforced while streaming, still answered with 413
      const chunks = [big.subarray(0, 3 * 1024 * 1024), big.subarray(3 * 1024 * 1024)];
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          const next = chunks.shift();
          if (next) c.enqueue(next);
          else c.close();
        },
      });
      const chunked = await n.client.call('/api/v1/bundle', {
        method: 'PUT',
        body: stream,
        duplex: 'half',
        headers: { 'content-type': 'application/zip', 'x-content-sha256': sha256(big) },
      });
      expect(chunked.status).toBe(413);
      expect(await readdir(storePaths(n.store).inbox)).toEqual([]);
    } finally {
      await n.close();
    }
  });

  it('an upload cut off by the client leaves nothing in the inbox and the agent serving', async () => {
    const n = await node('cut');
    try {
      // the body stalls until the agent has the upload on disk, then the "cable is pulled"
      let sent = 0;
      let cut!: () => void;
      const cutNow = new Promise<void>((r) => (cut = r));
      const stream = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (sent++ < 3) c.enqueue(newZip.subarray(0, 64 * 1024));
          else await cutNow.then(() => c.error(new Error('cable pulled')));
        },
      });
      const call = n.client.call('/api/v1/bundle', {
        method: 'PUT',
        body: stream,
        duplex: 'half',
        headers: { 'content-type': 'application/zip', 'x-content-sha256': sha256(newZip) },
      });
      call.catch(() => undefined);
      for (let i = 0; i < 100 && (await readdir(storePaths(n.store).inbox)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await readdir(storePaths(n.store).inbox)).length).toBe(1);
      cut();
      await expect(call).rejects.toThrow();
      for (let i = 0; i < 50 && (await readdir(storePaths(n.store).inbox)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await readdir(storePaths(n.store).inbox)).toEqual([]);
      expect((await n.put(newZip)).status).toBe(200);
    } finally {
      await n.close();
    }
  });

  it('two concurrent uploads: one APPLY_BUSY or both serialized, never a mixed state', async () => {
    const n = await node('concurrent');
    try {
      await n.put(oldZip);
      const [a, b] = await Promise.all([n.put(newZip), n.put(mixedZip)]);
      const statuses = [a.status, b.status].sort();
      expect([
        [200, 200],
        [200, 409],
      ]).toContainEqual(statuses);
      for (const r of [a, b]) if (r.status === 409) expect(r.json.error.code).toBe('APPLY_BUSY');
      const s = (await n.client.call('/api/v1/status')).json;
      expect(s.updating).toBe(false);
      // the end state is exactly one bundle's versions (or the later one's over the earlier)
      const mixedVersions = { ...NEW_VERSIONS, avasWindows: '298.0.0.0' };
      expect([NEW_VERSIONS, mixedVersions]).toContainEqual(s.versions);
      expect((await verifyStore(n.store)).ok).toBe(true);
    } finally {
      await n.close();
    }
  });

  it('rollback restores versions; 409 when nothing to roll back', async () => {
    const n = await node('rollback');
    try {
      const none = await n.client.call('/api/v1/rollback', { method: 'POST' });
      expect(none.status).toBe(409);
      expect(none.json.error.code).toBe('NOTHING_TO_ROLL_BACK');
      await n.put(oldZip);
      await n.put(newZip);
      const r = await n.client.call('/api/v1/rollback', { method: 'POST' });
      expect(r.status).toBe(200);
      expect(r.json.status.versions).toEqual(OLD_VERSIONS);
      expect((await n.client.call('/api/v1/status')).json.versions).toEqual(OLD_VERSIONS);
    } finally {
      await n.close();
    }
  });

  it('a deleted default policy stays deleted after the next apply', async () => {
    const n = await node('policies');
    try {
      await n.put(oldZip);
      const list = await n.client.call('/api/v1/policies');
      expect(list.json.policies.map((p: { name: string }) => p.name)).toContain('Default_AntiMalware_Policy_Mac');
      const del = await n.client.call('/api/v1/policies/Default_AntiMalware_Policy_Mac', { method: 'DELETE' });
      expect(del.status).toBe(200);
      expect((await n.client.call('/api/v1/policies/Nope', { method: 'DELETE' })).status).toBe(404);
      await n.put(newZip);
      const after = await n.client.call('/api/v1/policies');
      expect(after.json.policies.map((p: { name: string }) => p.name)).not.toContain('Default_AntiMalware_Policy_Mac');
      expect(after.json.policies.length).toBe(list.json.policies.length - 1);
    } finally {
      await n.close();
    }
  });

  it('an unknown-layout bundle is staged, never applied: listed newest first, served with X-Content-SHA256, re-staging is idempotent', async () => {
    const n = await node('staged');
    try {
      await n.put(oldZip);
      const before = await hashTree(n.store, ['logs', 'history.jsonl', 'staged']);
      const [a, b] = (await unknownLayoutZips()).map((z) => z.bytes);
      const first = await n.put(a!);
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({
        ok: true,
        sha256: sha256(a!),
        outcome: 'staged',
        applied: [],
        skipped: [],
        status: { versions: OLD_VERSIONS },
        staged: { sha256: sha256(a!), size: a!.length, layout: 'unknown', outcome: 'staged', by: 'admin', already: false },
      });
      // the state is exactly as it was: staging never touches the installed content
      expect(await hashTree(n.store, ['logs', 'history.jsonl', 'staged'])).toBe(before);
      await new Promise((r) => setTimeout(r, 5));
      expect((await n.put(b!)).json.outcome).toBe('staged');
      const again = await n.put(a!);
      expect(again.json.staged).toMatchObject({ sha256: sha256(a!), already: true, stagedAt: first.json.staged.stagedAt });
      const list = (await n.client.call('/api/v1/staged')).json.staged as Array<{ sha256: string; layout: string }>;
      // newest first; the older staged bundle is still there; the applied reference bundle is kept for ISE too
      expect(list.map((s) => [s.sha256, s.layout])).toEqual([
        [sha256(b!), 'unknown'],
        [sha256(a!), 'unknown'],
        [sha256(oldZip), 'reference'],
      ]);
      const got = await fetchBytes(n, `/api/v1/staged/${sha256(a!)}`);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/zip');
      expect(got.headers.get('x-content-sha256')).toBe(sha256(a!));
      expect(sha256(got.bytes)).toBe(sha256(a!));
      expect((await n.client.call(`/api/v1/staged/${'0'.repeat(64)}`)).json.error.code).toBe('NOT_FOUND');
      expect((await n.client.call('/api/v1/staged/..%2ftoken')).status).toBe(400);
      const history = (await n.client.call('/api/v1/history')).json.updates;
      expect(history.slice(0, 3).map((h: { mode: string; already?: boolean }) => [h.mode, h.already])).toEqual([
        ['stage', true],
        ['stage', false],
        ['stage', false],
      ]);
      const log = (await n.client.call('/api/v1/log?lines=500')).text;
      expect(log).toContain(`Staged bundle ${sha256(a!)} for upload to ISE`);
      expect(log).toContain(`Bundle ${sha256(a!)} is already staged`);
      // "Starting opswat download" is ISE's word for an applied update: never written for a staged file
      expect(log.split('\n').filter((l) => l.includes('Starting opswat download'))).toHaveLength(1);
      expect(await readdir(storePaths(n.store).inbox)).toEqual([]);
    } finally {
      await n.close();
    }
  });

  it('upload to the inbox, then POST /api/v1/apply by name', async () => {
    const n = await node('inbox');
    try {
      const up = await n.client.call('/api/v1/inbox/posture-offline.zip', {
        method: 'PUT',
        body: newZip,
        headers: { 'content-type': 'application/zip', 'x-content-sha256': sha256(newZip) },
      });
      expect(up.json).toEqual({ ok: true, file: 'posture-offline.zip', size: newZip.length, sha256: sha256(newZip) });
      const bad = await n.client.call('/api/v1/apply', {
        method: 'POST',
        body: JSON.stringify({ file: '../token' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(bad.status).toBe(400);
      const r = await n.client.call('/api/v1/apply', {
        method: 'POST',
        body: JSON.stringify({ file: 'posture-offline.zip' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(r.status).toBe(200);
      expect(r.json.status.versions).toEqual(NEW_VERSIONS);
    } finally {
      await n.close();
    }
  });
});
