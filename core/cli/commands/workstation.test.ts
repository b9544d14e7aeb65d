import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../testing.js';
import { writeBundle } from '../../bundle/index.js';
import { freePort, startFeedServer, type FeedServer } from '../../../e2e/peers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ps-cli-ws-'));
const savedHome = process.env.POSTURE_STAGE_HOME;
let feed: FeedServer;
let caFile: string;

beforeAll(async () => {
  process.env.POSTURE_STAGE_HOME = join(dir, 'home');
  feed = await startFeedServer({ files: { '/posture-offline.zip': { body: await writeBundle({ seed: 21 }) } } });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, feed.caCert);
});
afterAll(async () => {
  await feed.stop();
  if (savedHome === undefined) delete process.env.POSTURE_STAGE_HOME;
  else process.env.POSTURE_STAGE_HOME = savedHome;
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const cli = runCli;

describe('posture-stage fetch / library / push', () => {
  it("fetch --no-proxy HOSTS bypasses --proxy (a value, not commander's negation) and stores the bundle", async () => {
    const dead = await freePort();
    const r = await cli(
      'fetch',
      '--url',
      `${feed.origin}/posture-offline.zip`,
      '--proxy',
      `http://127.0.0.1:${dead}`,
      '--no-proxy',
      '127.0.0.1',
      '--ca',
      caFile,
      '--json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ ok: true, proxy: null });
    const list = JSON.parse((await cli('library', 'list', '--json')).out);
    expect(list.bundles.map((b: { sha256: string }) => b.sha256)).toEqual([doc.sha256]);
  });

  it('an unreachable proxy exits 3 with step "proxy" and no password in the output', async () => {
    const dead = await freePort();
    const r = await cli(
      'fetch',
      '--url',
      `${feed.origin}/posture-offline.zip`,
      '--proxy',
      `http://ops:Hunter2@127.0.0.1:${dead}`,
      '--ca',
      caFile,
      '--json',
    );
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.out);
    expect(doc.error).toMatchObject({ code: 'UNREACHABLE', step: 'proxy' });
    expect(r.out + r.err).not.toContain('Hunter2');
  });

  it('push refuses a bad bundle before any target (exit 2); import without a trusted key is a usage error (exit 1)', async () => {
    const bad = join(dir, 'bad.zip');
    writeFileSync(bad, 'nope');
    const port = await freePort();
    const r = await cli('push', bad, '--to', `https://127.0.0.1:${port}`, '--token-file', bad, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('NOT_A_ZIP');
    const imp = await cli('library', 'import', dir, '--json');
    expect(imp.code).toBe(1);
    expect(JSON.parse(imp.out).error.code).toBe('USAGE');
  });
});
