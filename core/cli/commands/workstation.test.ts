import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../testing.js';
import { writeBundle } from '../../bundle/index.js';
import { freePort, startFeedServer, startTinyproxy, type FeedServer } from '../../../e2e/peers/index.js';

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
    process.env.PS_TEST_PROXY_PW = 'Hunter2';
    try {
      const r = await cli(
        'fetch',
        '--url',
        `${feed.origin}/posture-offline.zip`,
        '--proxy',
        `http://ops@127.0.0.1:${dead}`,
        '--proxy-password-env',
        'PS_TEST_PROXY_PW',
        '--ca',
        caFile,
        '--json',
      );
      expect(r.code).toBe(3);
      const doc = JSON.parse(r.out);
      expect(doc.error).toMatchObject({ code: 'UNREACHABLE', step: 'proxy' });
      expect(r.out + r.err).not.toContain('Hunter2');
    } finally {
      delete process.env.PS_TEST_PROXY_PW;
    }
  });

  it('a password inside --proxy is refused (USAGE, exit 1) before anything is sent, and never echoed', async () => {
    const r = await cli('fetch', '--url', `${feed.origin}/posture-offline.zip`, '--proxy', `http://ops:Hunter2@127.0.0.1:9`, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.error.code).toBe('USAGE');
    expect(doc.error.message).toContain('--proxy-password-env');
    expect(doc.error.message).toContain('http://ops@host:port');
    expect(r.out + r.err).not.toContain('Hunter2');
  });

  it('a proxy user without a password and no terminal to ask on: USAGE naming --proxy-password-env; an unset variable too', async () => {
    const noTty = await cli('fetch', '--url', `${feed.origin}/posture-offline.zip`, '--proxy', `http://ops@127.0.0.1:9`, '--json');
    expect(noTty.code).toBe(1);
    expect(JSON.parse(noTty.out).error.message).toMatch(/no terminal to ask on\. Use --proxy-password-env VAR/);
    const unset = await cli(
      'fetch',
      '--url',
      `${feed.origin}/posture-offline.zip`,
      '--proxy',
      `http://ops@127.0.0.1:9`,
      '--proxy-password-env',
      'PS_TEST_UNSET_VAR',
      '--json',
    );
    expect(unset.code).toBe(1);
    expect(JSON.parse(unset.out).error.message).toContain('PS_TEST_UNSET_VAR');
  });

  it('--proxy-password-env through a real tinyproxy with BasicAuth', async () => {
    const proxy = await startTinyproxy({ basicAuth: { user: 'isefeed', password: 'Pw-from-env' } });
    process.env.PS_TEST_PROXY_PW = 'Pw-from-env';
    try {
      const r = await cli(
        'fetch',
        '--url',
        `${feed.origin}/posture-offline.zip`,
        '--proxy',
        `http://isefeed@127.0.0.1:${proxy.port}`,
        '--proxy-password-env',
        'PS_TEST_PROXY_PW',
        '--ca',
        caFile,
        '--json',
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ ok: true, proxy: `http://***@127.0.0.1:${proxy.port}` });
      expect(r.out + r.err).not.toContain('Pw-from-env');
      expect(proxy.log()).toMatch(/CONNECT/);
    } finally {
      delete process.env.PS_TEST_PROXY_PW;
      await proxy.stop();
    }
  });

  it('plain http:// needs --allow-http (USAGE, exit 1)', async () => {
    const r = await cli('fetch', '--url', 'http://127.0.0.1:9/posture-offline.zip', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'USAGE' });
    expect(JSON.parse(r.out).error.message).toContain('--allow-http');
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
