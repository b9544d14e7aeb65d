/**
 * No way around the node's token (issue 8 §1) and who did it (§6: named tokens), against the real agent
 * over TLS. Every registered route (collected by the server's own onRoute hook, so a route added later is
 * walked too) is requested with its path encoded, double-encoded, with dot segments, a trailing slash,
 * another case and doubled slashes, on a raw TLS socket so that no client normalises the path first.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initStore, startAgentServer, addToken, revokeToken, listTokens, type AgentServer, type RegisteredRoute } from './index.js';
import { rawHttps, sampleFile, sha256, storeClient, NEW_VERSIONS } from './testing.js';
import { storePaths } from './paths.js';

let dir: string;
let store: string;
let server: AgentServer;
let token: string;
let bundle: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-auth-'));
  store = (await initStore(join(dir, 'node'))).store;
  token = (await readFile(storePaths(store).token, 'utf8')).trim();
  server = await startAgentServer({ store, port: 0, log: () => undefined });
  bundle = await readFile(await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS }));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A concrete path for a route pattern (parameters filled with harmless values). */
const concrete = (url: string) => url.replace(/:sha256\b/g, 'a'.repeat(64)).replace(/:[A-Za-z]+/g, 'Default_Nothing');

const hex = (c: string) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0');

/** Spellings of `path` a router or a proxy might take for the same route (or a neighbour of it). */
function variants(path: string): string[] {
  const segs = path.split('/').slice(1);
  const join_ = (parts: string[]) => '/' + parts.join('/');
  const out = new Set<string>();
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    out.add(join_(segs.map((x, j) => (j === i ? hex(s[0]!) + s.slice(1) : x)))); // /%61pi/v1/status
    out.add(join_(segs.map((x, j) => (j === i ? hex(s[0]!).toUpperCase() + s.slice(1) : x))));
    out.add(join_(segs.map((x, j) => (j === i ? '%25' + hex(s[0]!).slice(1) + s.slice(1) : x)))); // /%2561pi/…
    out.add(join_(segs.map((x, j) => (j === i ? [...x].map(hex).join('') : x)))); // every byte encoded
    out.add(join_(segs.map((x, j) => (j === i ? x.toUpperCase() : x)))); // /API/v1/status
    out.add(join_([...segs.slice(0, i), '.', ...segs.slice(i)])); // /api/./v1/status
    out.add(join_([...segs.slice(0, i), 'x', '..', ...segs.slice(i)])); // /x/../api/v1/status
    out.add(join_([...segs.slice(0, i), '%2e', ...segs.slice(i)]));
    out.add(join_([...segs.slice(0, i), 'x', '%2e%2e', ...segs.slice(i)]));
    out.add(join_([...segs.slice(0, i), '', ...segs.slice(i)])); // //api/v1/status, /api//v1/status
  }
  out.add(path + '/');
  out.add(path + '//');
  out.add(path.toUpperCase());
  out.add(path + '/.');
  out.add(path + '%2f');
  out.add(path + ';x');
  out.add(path + '%00');
  out.add(path + '?x=1');
  out.add(path.replaceAll('/', '%2f').replace(/^%2f/, '/'));
  out.add(path.replaceAll('/', '\\'));
  out.add('/./' + path.slice(1));
  out.add('/%2e%2e' + path);
  return [...out];
}

const routeKey = (r: RegisteredRoute) => `${r.method} ${r.url}`;

describe('the agent decides auth on the matched route, deny by default', () => {
  it('collects every route; only /healthz (GET and HEAD) is public', () => {
    const keys = server.routes.map(routeKey);
    for (const expected of [
      'GET /api/v1/status',
      'PUT /api/v1/bundle',
      'POST /api/v1/apply',
      'GET /api/v1/history',
      'POST /api/v1/rollback',
      'GET /api/v1/log',
      'DELETE /api/v1/policies/:name',
      'PUT /api/v1/inbox/:name',
      'PUT /api/v1/custody/:sha256',
    ])
      expect(keys).toContain(expected);
    expect(server.routes.filter((r) => r.public).map(routeKey)).toEqual(['GET /healthz', 'HEAD /healthz']);
  });

  it('the reported bypass is closed: /%61pi/v1/status → 401', async () => {
    const r = await rawHttps(server.port, { method: 'GET', path: '/%61pi/v1/status' });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(r.body).not.toContain('versions');
  });

  it('every non-public route: 401 without a token or with a wrong one; served with the token', async () => {
    const walked: string[] = [];
    for (const route of server.routes.filter((r) => !r.public)) {
      const path = concrete(route.url);
      const none = await rawHttps(server.port, { method: route.method, path });
      const wrong = await rawHttps(server.port, { method: route.method, path, headers: { authorization: `Bearer ${'A'.repeat(43)}` } });
      const good = await rawHttps(server.port, { method: route.method, path, headers: { authorization: `Bearer ${token}` } });
      walked.push(`${routeKey(route)}: ${none.status} ${wrong.status} ${good.status === 401 ? 401 : 'served'}`);
      // a GET is served: 200, or the route's own 404 for a missing item (an inbox file), never "no such endpoint"
      const served = good.status === 200 || (good.status === 404 && !good.body.includes('No such endpoint'));
      if (route.method === 'GET') expect([routeKey(route), good.status, served]).toEqual([routeKey(route), good.status, true]);
      if (route.method !== 'HEAD') expect(good.body).not.toContain('UNAUTHORIZED');
    }
    expect(walked.length).toBeGreaterThanOrEqual(14);
    expect(walked).toEqual(walked.map((w) => w.replace(/: .*$/, ': 401 401 served')));
  });

  it('every route × every spelling of its path: never 2xx without a token (401, 404 or 400 only)', async () => {
    const seen = new Map<number, number>();
    const leaks: string[] = [];
    let requests = 0;
    for (const route of server.routes) {
      for (const path of variants(concrete(route.url))) {
        const r = await rawHttps(server.port, { method: route.method, path });
        requests++;
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        // the public route may answer its own spellings; nothing else may answer at all
        const publicHit = route.public && r.status === 200 && (route.method === 'HEAD' || r.body === 'ok');
        if (!publicHit && ![400, 401, 404].includes(r.status)) leaks.push(`${route.method} ${path} → ${r.status} ${r.body.slice(0, 80)}`);
        if (!route.public && /versions|updates|policies/.test(r.body)) leaks.push(`${route.method} ${path} leaked ${r.body.slice(0, 80)}`);
      }
    }
    console.log(`auth walk: ${requests} requests over TLS, statuses ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(leaks).toEqual([]);
    expect(requests).toBeGreaterThan(300);
    // the decoded spellings did reach real routes, and were refused there
    expect(seen.get(401)).toBeGreaterThan(100);
  });

  it('a path that matches no route: 401 without a token (nothing learnt), 404 with one', async () => {
    expect((await rawHttps(server.port, { method: 'GET', path: '/api/v1/nope' })).status).toBe(401);
    expect((await rawHttps(server.port, { method: 'GET', path: '/.env' })).status).toBe(401);
    const withToken = await rawHttps(server.port, { method: 'GET', path: '/api/v1/nope', headers: { authorization: `Bearer ${token}` } });
    expect([withToken.status, JSON.parse(withToken.body).error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('named tokens', () => {
  it('a token added while the agent serves works at once, is named in history and ise-psc.log, and dies when revoked', async () => {
    const ci = await addToken(store, 'ci-pipeline');
    expect(ci.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // only its digest is stored
    expect(await readFile(storePaths(store).tokens, 'utf8')).not.toContain(ci.token);
    const client = await storeClient(store, server.url);
    try {
      const put = await client.call('/api/v1/bundle', {
        method: 'PUT',
        auth: false,
        body: bundle,
        headers: { authorization: `Bearer ${ci.token}`, 'content-type': 'application/zip', 'x-content-sha256': sha256(bundle) },
      });
      expect(put.status).toBe(200);
      const history = (await client.call('/api/v1/history')).json.updates;
      expect(history[0]).toMatchObject({ mode: 'apply', result: 'success', who: 'ci-pipeline' });
      expect((await client.call('/api/v1/log?lines=50')).text).toMatch(/-::ci-pipeline::- Starting opswat download/);
      const rb = await client.call('/api/v1/rollback', { method: 'POST', auth: false, headers: { authorization: `Bearer ${ci.token}` } });
      expect(rb.status).toBe(200);
      expect((await client.call('/api/v1/history')).json.updates[0]).toMatchObject({ mode: 'rollback', who: 'ci-pipeline' });

      let listed = await listTokens(store);
      for (let i = 0; i < 40 && !listed.find((t) => t.name === 'ci-pipeline')?.lastUsedAt; i++) {
        await new Promise((r) => setTimeout(r, 50));
        listed = await listTokens(store);
      }
      expect(listed).toEqual([
        { name: 'admin', createdAt: expect.any(String), lastUsedAt: expect.any(String) },
        { name: 'ci-pipeline', createdAt: ci.createdAt, lastUsedAt: expect.any(String) },
      ]);
      await expect(addToken(store, 'ci-pipeline')).rejects.toMatchObject({ code: 'USAGE' });
      await expect(addToken(store, 'two words')).rejects.toMatchObject({ code: 'USAGE' });

      await revokeToken(store, 'ci-pipeline');
      const after = await client.call('/api/v1/status', { auth: false, headers: { authorization: `Bearer ${ci.token}` } });
      expect(after.status).toBe(401);
      expect((await client.call('/api/v1/status')).status).toBe(200);
      await expect(revokeToken(store, 'ci-pipeline')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await client.close();
    }
  });

  it('a store made before named tokens (no tokens.json): its token file is "admin"; revoking admin removes the file', async () => {
    const { store: legacy } = await initStore(join(dir, 'legacy'));
    await rm(storePaths(legacy).tokens);
    const s = await startAgentServer({ store: legacy, port: 0, log: () => undefined });
    const client = await storeClient(legacy, s.url);
    try {
      expect((await client.call('/api/v1/status')).status).toBe(200);
      expect((await listTokens(legacy)).map((t) => t.name)).toEqual(['admin']);
      const other = await addToken(legacy, 'bob');
      // the first change wrote tokens.json with admin kept
      expect((await client.call('/api/v1/status')).status).toBe(200);
      await revokeToken(legacy, 'admin');
      expect(existsSync(storePaths(legacy).token)).toBe(false);
      expect((await client.call('/api/v1/status')).status).toBe(401);
      expect((await client.call('/api/v1/status', { auth: false, headers: { authorization: `Bearer ${other.token}` } })).status).toBe(200);
    } finally {
      await client.close();
      await s.close();
    }
  });
});

describe('upload names', () => {
  it("an upload named like the agent's own temp files, or a custody document, is refused and nothing is written", async () => {
    const names = ['.agent-upload-0123', '%2eagent-upload-0123.zip', '.hidden.zip', `${'a'.repeat(64)}.custody.json`, '..', '%2e%2e'];
    for (const name of names) {
      const r = await rawHttps(server.port, {
        method: 'PUT',
        path: `/api/v1/inbox/${name}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip', 'x-content-sha256': 'a'.repeat(64) },
        body: 'PK',
      });
      expect([name, r.status, JSON.parse(r.body).error.code]).toEqual([name, 400, 'USAGE']);
    }
    const apply = await rawHttps(server.port, {
      method: 'POST',
      path: '/api/v1/apply',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ file: '.agent-upload-0123.zip' }),
    });
    expect([apply.status, JSON.parse(apply.body).error.code]).toEqual([400, 'USAGE']);
    expect(await readdir(storePaths(store).inbox)).toEqual([]);
  });
});
