/**
 * A node whose port accepts TCP and never answers TLS (a wrong port, a stuck middlebox), through the app's
 * calls as the UI makes them: contact (first contact's certificate read), Test connection, Node status and
 * Preview each end in UNREACHABLE at step tls stating the timeout — never INTERNAL "this is a bug" — and
 * nothing is printed on the host's stderr. The node timeout is 15 s; the four calls run at once. The same
 * calls tagged as operations and cancelled end CANCELLED long before that, their sockets closed. Saving a new
 * target contacts it first: refused the same way, or cancelled, and nothing is saved.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type HandlerContext } from './context.js';
import { createHandlers } from './index.js';
import { handlerClient } from './testing.js';
import { fileSecretBox } from '../secrets.js';
import type { HandlerTable } from '../contract.js';
import { writeBundle } from '../../bundle/index.js';

let home: string;
let ctx: HandlerContext;
let handlers: HandlerTable;
let server: Server;
let port = 0;
const held: Socket[] = [];
const closed = new Set<Socket>();
const { call, tagged, refusal } = handlerClient(
  () => handlers,
  () => ctx.jobs,
);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ps-hanging-'));
  ctx = createContext({ home, shell: 'browser', secrets: fileSecretBox(home) });
  handlers = createHandlers(ctx);
  server = createServer((s) => {
    held.push(s);
    s.on('error', () => undefined);
    // read and drop what the client sends (its ClientHello), so its closing the connection is seen
    s.resume();
    s.on('close', () => closed.add(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => server.close(r));
  await ctx.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('a node that never answers the TLS handshake', () => {
  it('is UNREACHABLE at step tls after the stated 15 s in every call, with nothing on stderr', async () => {
    const stderr = vi.spyOn(console, 'error');
    const url = `https://127.0.0.1:${port}`;
    // saved straight into the store: saveTarget itself contacts the node first (and would stop at the same tls step)
    const target = ctx.targets.add({ kind: 'https', name: 'stuck', url, fingerprint: `SHA256:${'A'.repeat(43)}`, token: 't' });
    const row = await call('importBundle', { name: 'b.zip', dataBase64: Buffer.from(await writeBundle({ seed: 3 })).toString('base64') });
    const fresh = { kind: 'https', name: 'stuck-new', url, fingerprint: `SHA256:${'C'.repeat(43)}`, token: 't' };
    const [contact, test, status, preview, save] = await Promise.all([
      refusal('probeTarget', { kind: 'https', url }),
      call('testTarget', { id: target.id }),
      refusal('nodeStatus', { id: target.id }),
      call('previewApply', { sha256: row.sha256, targetIds: [target.id] }),
      refusal('saveTarget', fresh),
    ]);
    expect(ctx.targets.all().map((t) => t.name)).not.toContain('stuck-new');
    for (const error of [contact, test.error, status, preview[0]?.error, save]) {
      expect(error?.code).toBe('UNREACHABLE');
      expect(error?.details).toMatchObject({ step: 'tls', timeoutMs: 15_000 });
      expect(error?.message).toContain('did not answer the TLS handshake within 15 s');
    }
    expect(test.steps.map((s) => [s.step, s.ok])).toEqual([
      ['dns', true],
      ['tcp', true],
      ['tls', false],
    ]);
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
  });

  it('cancelled, each call ends CANCELLED at once and the node sees its connection closed', async () => {
    const url = `https://127.0.0.1:${port}`;
    const target = ctx.targets.add({ kind: 'https', name: 'stuck-2', url, fingerprint: `SHA256:${'B'.repeat(43)}`, token: 't' });
    const row = await call('importBundle', { name: 'c.zip', dataBase64: Buffer.from(await writeBundle({ seed: 4 })).toString('base64') });
    const before = held.length;
    const started = Date.now();
    const calls = [
      tagged('opcontact', 'probeTarget', { kind: 'https', url }),
      tagged('optest', 'testTarget', { id: target.id }),
      tagged('opstatus', 'nodeStatus', { id: target.id }),
      tagged('oppreview', 'previewApply', { sha256: row.sha256, targetIds: [target.id] }),
      // the check before saving
      tagged('opsave', 'saveTarget', { kind: 'https', name: 'stuck-3', url, fingerprint: `SHA256:${'D'.repeat(43)}`, token: 't' }),
    ].map((p) =>
      p.then(
        () => null,
        (e: { code?: string }) => e.code,
      ),
    );
    // every call has its TLS connection open and waiting
    await vi.waitFor(() => expect(held.length - before).toBeGreaterThanOrEqual(6), { timeout: 10_000 });
    const mine = held.slice(before);
    const ops = ['opcontact', 'optest', 'opstatus', 'oppreview', 'opsave'];
    for (const op of ops) expect((await call('cancelJob', { jobId: op })).id).toBe(op);
    expect(await Promise.all(calls)).toEqual(ops.map(() => 'CANCELLED'));
    // generous: the 15 s timeout never had to fire
    expect(Date.now() - started).toBeLessThan(10_000);
    await vi.waitFor(() => expect(mine.filter((s) => !closed.has(s))).toEqual([]), { timeout: 5_000 });
    for (const op of ops) expect((await call('getJob', { jobId: op })).state).toBe('cancelled');
    expect(ctx.targets.all().map((t) => t.name)).not.toContain('stuck-3');
  });
});
