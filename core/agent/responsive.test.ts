/**
 * Issue 8 §2: the agent checks an upload off its event loop, so a hostile upload being checked never
 * freezes it — /healthz keeps answering within a second while the check runs, and the upload is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initStore, startAgentServer } from './index.js';
import { sha256, storeClient } from './testing.js';
import { HOSTILE } from '../security/hostile.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-responsive-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('agent: a hostile upload is checked off the event loop', () => {
  it('/healthz answers within ~1 s while a 10 MB hostile upload is checked, and the upload is refused', async () => {
    const hostile = HOSTILE.find((h) => h.name === 'nested XML: elements between long runs of spaces')!;
    const bytes = await hostile.build(10 * 1024 * 1024);
    const { store } = await initStore(join(dir, 'node'));
    const server = await startAgentServer({ store, port: 0, log: () => undefined });
    const client = await storeClient(store, server.url);
    try {
      let checking = true;
      const upload = client
        .call('/api/v1/bundle', {
          method: 'PUT',
          body: bytes,
          headers: { 'content-type': 'application/zip', 'x-content-sha256': sha256(bytes) },
        })
        .finally(() => (checking = false));
      const latencies: number[] = [];
      while (checking) {
        const t = performance.now();
        const r = await client.call('/healthz', { auth: false });
        latencies.push(performance.now() - t);
        expect(r).toMatchObject({ status: 200, text: 'ok' });
        await new Promise((r) => setTimeout(r, 50));
      }
      const answer = await upload;
      console.log(`healthz during the check: ${latencies.length} answers, slowest ${Math.round(Math.max(...latencies))} ms`);
      expect(answer.status).toBe(422);
      expect(answer.json).toMatchObject({ ok: false, error: { code: 'ZIP_LIMIT' } });
      expect(latencies.length).toBeGreaterThan(3);
      expect(Math.max(...latencies)).toBeLessThan(1_000);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
