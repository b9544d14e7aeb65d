import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBundle } from './check.js';
import { checkIsolated } from './isolated.js';
import { writeBundle } from './write.js';
import { PAYLOAD_FIXTURES } from './fixtures/payload.js';
import { HOSTILE } from '../security/hostile.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ps-isolated-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = async (name: string, bytes: Uint8Array): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
};

describe('checkIsolated: the whole check in a worker, under a time budget', () => {
  it('gives what checkBundle gives (results only: nothing of the file is held or left open)', async () => {
    const path = await file('good.zip', await writeBundle({ seed: 3, scale: 0.1 }));
    const phases = new Set<string>();
    const isolated = await checkIsolated(path, { requireReference: true, onProgress: (p) => phases.add(p.phase) });
    const local = await checkBundle(path);
    expect(isolated.inspection).toEqual(local.inspection);
    expect([...isolated.contents]).toEqual([...local.contents]);
    expect(isolated.bundle).toEqual(local.bundle);
    expect(Object.keys(isolated.bundle).sort()).toEqual(['entries', 'fileName', 'sha256', 'size']);
    expect(phases.has('parse')).toBe(true);
  });

  it('a refusal crosses the thread with its code, message and details', async () => {
    const fx = PAYLOAD_FIXTURES.find((f) => f.name === 'checksum mismatch')!;
    const path = await file('bad.zip', await fx.build());
    const local = await checkBundle(path).catch((e: unknown) => e);
    await expect(checkIsolated(path)).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      message: (local as Error).message,
      details: (local as { details: unknown }).details,
    });
  });

  it('past the time budget the check is stopped: ZIP_LIMIT naming the budget', async () => {
    const slow = HOSTILE.find((h) => h.name === 'nested XML: elements between long runs of spaces')!;
    const path = await file('slow.zip', await slow.build(4 * 1024 * 1024));
    const started = Date.now();
    await expect(checkIsolated(path, { budgetMs: 150 })).rejects.toMatchObject({
      code: 'ZIP_LIMIT',
      details: { limit: 'timeBudget', budgetMs: 150 },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an abort stops the worker: CANCELLED', async () => {
    const path = await file('good2.zip', await writeBundle({ seed: 4, scale: 0.1 }));
    const controller = new AbortController();
    controller.abort();
    await expect(checkIsolated(path, { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
