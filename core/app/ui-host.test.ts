/** `posture-stage ui`'s HTTP host: who may call, and what it serves (real server on 127.0.0.1). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { parseListen, startUiHost, type UiHost } from './ui-host.js';
import type { AppEvent, CallContext, HandlerTable, Job } from './contract.js';
import { JobRegistry } from './jobs.js';

const jobs = new JobRegistry();
const handlers = {
  listTargets: async () => [],
  // a long call: reports upload bytes and a step, then waits for its cancel
  nodeStatus: async (_arg: unknown, call: CallContext) => {
    call.progress(512, 1024);
    call.step({ step: 'ask', state: 'running', message: 'asking the node' });
    await new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason as Error)));
    return null;
  },
  cancelJob: async ({ jobId }: { jobId: string }) => jobs.cancel(jobId),
} as unknown as HandlerTable;

let dir: string;
let host: UiHost;
let origin: string;
let cookie = '';

/** Raw HTTP (fetch would not let us forge Host). */
function http(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, method, path, headers }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ps-uihost-'));
  mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>ok</title>');
  writeFileSync(join(dir, 'dist', 'assets', 'a.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  host = await startUiHost({ backend: { handlers, jobs }, staticDir: join(dir, 'dist') });
  origin = new URL(host.url).origin;
});

afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

const H = () => ({ host: new URL(origin).host });
const api = (extra: Record<string, string> = {}) =>
  http('POST', '/api/listTargets', { ...H(), 'content-type': 'application/json', cookie, ...extra }, '{"args":[]}');

describe('ui host', () => {
  it('refuses the API and the page before sign-in', async () => {
    expect((await http('POST', '/api/listTargets', { ...H(), 'content-type': 'application/json' }, '{"args":[]}')).status).toBe(401);
    expect((await http('GET', '/', H())).status).toBe(401);
  });

  it('trades the one-time token for a session cookie, once', async () => {
    const path = new URL(host.url).pathname + new URL(host.url).search;
    const first = await http('GET', path, H());
    expect(first.status).toBe(303);
    const set = String(first.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    cookie = set.split(';')[0] ?? '';
    expect((await http('GET', path, H())).status).toBe(401);
  });

  it('answers signed-in calls with an envelope and a strict CSP', async () => {
    const r = await api();
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, result: [] });
    const page = await http('GET', '/', { ...H(), cookie });
    expect(page.body).toContain('<title>ok</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('refuses other Hosts (DNS rebinding), other Origins and non-JSON posts', async () => {
    expect((await api({ host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await api({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await api({ 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('works as opened through localhost (an SSH tunnel), and still refuses a cross-origin call there', async () => {
    const local = `localhost:${host.port}`;
    expect((await api({ host: local, origin: `http://${local}` })).status).toBe(200);
    expect((await api({ host: local, origin })).status).toBe(403);
    expect((await api({ origin: `http://${local}` })).status).toBe(403);
  });

  it('answers a body it cannot take as an error envelope saying what to do', async () => {
    const small = await startUiHost({
      backend: { handlers, jobs },
      staticDir: join(dir, 'dist'),
      bodyLimit: 64,
    });
    try {
      const signIn = await fetch(small.url, { redirect: 'manual' });
      const jar = String(signIn.headers.get('set-cookie')).split(';')[0] ?? '';
      const post = (body: string) =>
        fetch(new URL('/api/importBundle', small.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: jar },
          body,
        });
      const big = await post(JSON.stringify({ args: [{ name: 'b.zip', dataBase64: 'A'.repeat(200) }] }));
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({
        ok: false,
        error: { code: 'TOO_LARGE', message: expect.stringMatching(/too large.*posture-stage/i) },
      });
      const broken = await post('{"args": [');
      expect(broken.status).toBe(400);
      expect(await broken.json()).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    } finally {
      await small.close();
    }
  });

  describe('the event stream', () => {
    /** Opens GET /api/events and collects its AppEvents; `status` resolves with the answer's status. */
    function stream(headers: Record<string, string>) {
      const events: AppEvent[] = [];
      let ended = false;
      let buffer = '';
      let req: ReturnType<typeof request> | undefined;
      const status = new Promise<number>((resolve, reject) => {
        req = request({ host: '127.0.0.1', port: host.port, method: 'GET', path: '/api/events', headers }, (res) => {
          resolve(res.statusCode ?? 0);
          res.on('data', (d: Buffer) => {
            buffer += d.toString();
            let cut: number;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const data = frame.split('\n').find((l) => l.startsWith('data: '));
              if (data) events.push(JSON.parse(data.slice(6)) as AppEvent);
            }
          });
          res.on('end', () => (ended = true));
        });
        req.on('error', reject);
        req.end();
      });
      return { events, status, ended: () => ended, close: () => req?.destroy() };
    }
    const jobsOf = (events: AppEvent[], op: string): Job[] => events.filter((e) => e.job.id === op).map((e) => e.job);
    const tagged = (op: string) =>
      http('POST', '/api/nodeStatus', { ...H(), 'content-type': 'application/json', cookie }, JSON.stringify({ args: [{ id: 't1' }], op }));
    const cancel = (op: string) =>
      http('POST', '/api/cancelJob', { ...H(), 'content-type': 'application/json', cookie }, JSON.stringify({ args: [{ jobId: op }] }));

    it("pushes a tagged call's progress, steps and end as Server-Sent Events, and cancelJob stops the call", async () => {
      const s = stream({ ...H(), cookie });
      expect(await s.status).toBe(200);
      const op = 'sseop1';
      const running = tagged(op);
      await expect.poll(() => jobsOf(s.events, op).some((j) => j.steps.length === 1 && j.progress !== null)).toBe(true);
      expect(jobsOf(s.events, op).at(-1)).toMatchObject({
        kind: 'nodeStatus',
        state: 'running',
        progress: { done: 512, total: 1024 },
        steps: [{ step: 'ask', state: 'running', message: 'asking the node' }],
      });
      expect((await cancel(op)).status).toBe(200);
      const answer = JSON.parse((await running).body) as { ok: boolean; error?: { code: string } };
      expect(answer).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      await expect.poll(() => jobsOf(s.events, op).at(-1)?.state).toBe('cancelled');
      s.close();
    });

    it('is refused before sign-in, from another origin and under another Host', async () => {
      expect(await stream(H()).status).toBe(401);
      expect(await stream({ ...H(), cookie, origin: 'https://evil.example' }).status).toBe(403);
      expect(await stream({ host: `evil.example:${host.port}`, cookie }).status).toBe(421);
    });

    it('a cancel that arrives before its call makes the call start cancelled', async () => {
      const op = 'sseearly';
      expect((await cancel(op)).status).toBe(200);
      const answer = JSON.parse((await tagged(op)).body) as { ok: boolean; error?: { code: string } };
      expect(answer).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    });

    it('ends open streams when the host closes', async () => {
      const other = await startUiHost({ backend: { handlers, jobs: new JobRegistry() }, staticDir: join(dir, 'dist') });
      const signIn = await fetch(other.url, { redirect: 'manual' });
      const jar = String(signIn.headers.get('set-cookie')).split(';')[0] ?? '';
      let ended = false;
      await new Promise<void>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: other.port, path: '/api/events', headers: { host: `127.0.0.1:${other.port}`, cookie: jar } },
          (res) => {
            res.on('data', () => undefined);
            res.on('end', () => (ended = true));
            resolve();
          },
        );
        req.on('error', reject);
        req.end();
      });
      await other.close();
      await expect.poll(() => ended).toBe(true);
    });
  });

  it('never serves files outside the renderer build', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      const r = await http('GET', p, { ...H(), cookie });
      expect(r.body).not.toContain('outside');
    }
    expect((await http('GET', '/assets/a.js', { ...H(), cookie })).headers['content-type']).toMatch(/javascript/);
  });

  it('listens on loopback only', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen(undefined)).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => parseListen('0.0.0.0:8080')).toThrow(/loopback/);
    expect(() => parseListen('192.168.1.5:80')).toThrow(/loopback/);
    expect(() => parseListen('nonsense')).toThrow(/HOST:PORT/);
  });
});
