import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../bundle/index.js';
import { CoreError } from '../errors.js';
import { startFeedServer, startTinyproxy, atomFeed, freePort, makeCa, type FeedServer, type Tinyproxy } from '../../e2e/peers/index.js';
import { fetchBundle, type FetchOptions } from './index.js';
import { openLibrary } from '../library/index.js';

let feed: FeedServer;
let bundle: Uint8Array;
let sha: string;
let caFile: string;
const dirs: string[] = [];

function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'ps-feed-home-'));
  dirs.push(d);
  return d;
}

function libraryFiles(h: string): string[] {
  return existsSync(join(h, 'bundles')) ? readdirSync(join(h, 'bundles')) : [];
}

async function fails(opts: FetchOptions): Promise<CoreError> {
  try {
    await fetchBundle({ backoffMs: 10, env: {}, ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(CoreError);
    return e as CoreError;
  }
  throw new Error('fetch succeeded but should have failed');
}

beforeAll(async () => {
  bundle = await writeBundle({ seed: 7 });
  sha = createHash('sha256').update(bundle).digest('hex');
  feed = await startFeedServer({
    files: {
      '/spa/posture-offline.zip': { body: bundle, type: 'application/zip' },
      '/spa/posture-update.xml': { body: atomFeed({ alternate: '/real/posture-update.xml' }), type: 'application/atom+xml' },
      '/real/posture-update.xml': {
        body: atomFeed({
          enclosure: '/spa/posture-offline.zip',
          sha256: createHash('sha256').update(bundle).digest('hex'),
          length: bundle.length,
        }),
      },
      '/bad/posture-offline.zip': { body: Buffer.from('not a zip at all') },
    },
  });
  const d = home();
  caFile = join(d, 'proxy-ca.pem');
  writeFileSync(caFile, feed.caCert);
});

afterAll(async () => {
  await feed.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('fetch through a real tinyproxy', () => {
  let proxy: Tinyproxy;
  let authProxy: Tinyproxy;
  beforeAll(async () => {
    proxy = await startTinyproxy();
    authProxy = await startTinyproxy({ basicAuth: { user: 'isefeed', password: 's3cr3t-pw' } });
  });
  afterAll(async () => {
    await proxy.stop();
    await authProxy.stop();
  });

  it('downloads via CONNECT, trusts the admin CA, verifies and stores the bundle with its TLS fingerprint', async () => {
    const h = home();
    const result = await fetchBundle({
      url: `${feed.origin}/spa/posture-offline.zip`,
      proxy: proxy.url,
      ca: [caFile],
      home: h,
      sha256: sha,
      env: {},
    });
    expect(result.sha256).toBe(sha);
    expect(result.entry.source.url).toBe(`${feed.origin}/spa/posture-offline.zip`);
    expect(result.tlsFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(libraryFiles(h)).toContain(`${sha}.zip`);
    expect(proxy.log()).toMatch(new RegExp(`CONNECT.*127\\.0\\.0\\.1:${feed.port}`));
  });

  it('uses HTTPS_PROXY from the environment unless NO_PROXY bypasses the host', async () => {
    const dead = await freePort();
    const h = home();
    const viaEnv = await fetchBundle({
      url: `${feed.origin}/spa/posture-offline.zip`,
      ca: [caFile],
      home: h,
      env: { HTTPS_PROXY: proxy.url },
    });
    expect(viaEnv.proxy).toBe(proxy.url);
    const bypass = await fetchBundle({
      url: `${feed.origin}/spa/posture-offline.zip`,
      ca: [caFile],
      home: home(),
      env: { HTTPS_PROXY: `http://127.0.0.1:${dead}`, NO_PROXY: 'example.org,127.0.0.1' },
    });
    expect(bypass.proxy).toBeNull();
  });

  it('proxy auth: 407 without credentials is step "proxy"; with them it works; the password is never echoed', async () => {
    const h = home();
    const err = await fails({ url: `${feed.origin}/spa/posture-offline.zip`, proxy: authProxy.url, ca: [caFile], home: h });
    expect(err.code).toBe('UNREACHABLE');
    expect(err.details.step).toBe('proxy');
    expect(err.details.status).toBe(407);
    const withCreds = `http://isefeed:s3cr3t-pw@127.0.0.1:${authProxy.port}`;
    const ok = await fetchBundle({ url: `${feed.origin}/spa/posture-offline.zip`, proxy: withCreds, ca: [caFile], home: h, env: {} });
    expect(JSON.stringify(ok)).not.toContain('s3cr3t-pw');
    const wrong = await fails({
      url: `${feed.origin}/spa/posture-offline.zip`,
      proxy: `http://isefeed:wrong-pw@127.0.0.1:${authProxy.port}`,
      ca: [caFile],
      home: home(),
    });
    expect(wrong.details.step).toBe('proxy');
    expect(JSON.stringify(wrong.toJSON())).not.toContain('wrong-pw');
  });

  it('the proxy password can come apart from the URL (proxyPassword), and HTTPS_PROXY may carry credentials', async () => {
    const apart = await fetchBundle({
      url: `${feed.origin}/spa/posture-offline.zip`,
      proxy: `http://isefeed@127.0.0.1:${authProxy.port}`,
      proxyPassword: 's3cr3t-pw',
      ca: [caFile],
      home: home(),
      env: {},
    });
    expect(apart.sha256).toBe(sha);
    expect(apart.proxy).toBe(`http://***@127.0.0.1:${authProxy.port}`);
    const fromEnv = await fetchBundle({
      url: `${feed.origin}/spa/posture-offline.zip`,
      ca: [caFile],
      home: home(),
      env: { HTTPS_PROXY: `http://isefeed:s3cr3t-pw@127.0.0.1:${authProxy.port}` },
    });
    expect(fromEnv.sha256).toBe(sha);
    expect(JSON.stringify(fromEnv)).not.toContain('s3cr3t-pw');
    const noUser = await fails({ url: `${feed.origin}/spa/posture-offline.zip`, proxy: authProxy.url, proxyPassword: 'x', home: home() });
    expect(noUser.code).toBe('USAGE');
  });

  it('an unreachable proxy is UNREACHABLE step "proxy" in the seed\'s words, and the library stays empty', async () => {
    const h = home();
    const port = await freePort();
    const err = await fails({
      url: `${feed.origin}/spa/posture-offline.zip`,
      proxy: `http://u:hidden@127.0.0.1:${port}`,
      ca: [caFile],
      home: h,
      retries: 0,
    });
    expect(err.code).toBe('UNREACHABLE');
    expect(err.details.step).toBe('proxy');
    expect(err.message).toContain('Remote Address is not accessible');
    expect(JSON.stringify(err.toJSON())).not.toContain('hidden');
    expect(libraryFiles(h)).toEqual([]);
  });
});

describe('fetch: trust, resume and refusals', () => {
  it('refuses a server whose CA is not trusted with TLS_UNTRUSTED naming subject and issuer', async () => {
    const h = home();
    const err = await fails({ url: `${feed.origin}/spa/posture-offline.zip`, home: h });
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(String(err.details.issuer)).toContain('Posture Stage Test Root CA');
    expect(String(err.details.subject)).toContain('localhost');
    expect(err.message).toContain('IdenTrust Commercial Root CA 1');
    expect(libraryFiles(h)).toEqual([]);
  });

  it('reports a certificate not yet valid as a clock problem (NTP, UDP 123)', async () => {
    const ca = await makeCa('Skew Test CA');
    const future = await startFeedServer({
      ca,
      cert: { notBefore: new Date(Date.now() + 5 * 86_400_000), notAfter: new Date(Date.now() + 30 * 86_400_000) },
      files: { '/b.zip': { body: bundle } },
    });
    const caPem = join(home(), 'skew-ca.pem');
    writeFileSync(caPem, future.caCert);
    try {
      const err = await fails({ url: `${future.origin}/b.zip`, ca: [caPem], home: home() });
      expect(err.code).toBe('TLS_UNTRUSTED');
      expect(err.details.reason).toBe('CERT_NOT_YET_VALID');
      expect(err.details.clockSkew).toBeDefined();
      expect(err.message).toContain('UDP 123');
    } finally {
      await future.stop();
    }
  });

  it('resumes with Range + If-Range after the first download is cut halfway, then verifies', async () => {
    const cutting = await startFeedServer({
      files: { '/posture-offline.zip': { body: bundle } },
      cutFirstDownloadAt: Math.floor(bundle.length / 2),
    });
    const caPem = join(home(), 'cut-ca.pem');
    writeFileSync(caPem, cutting.caCert);
    try {
      const phases = new Set<string>();
      const result = await fetchBundle(
        { url: `${cutting.origin}/posture-offline.zip`, ca: [caPem], home: home(), sha256: sha, backoffMs: 10, env: {} },
        (p) => phases.add(p.phase),
      );
      expect(result.resumed).toBe(true);
      expect(result.sha256).toBe(sha);
      const ranged = cutting.requests.filter((r) => r.range);
      expect(ranged.length).toBeGreaterThanOrEqual(1);
      // the resume starts where the .part ended: at most what the server sent before the cut (TLS records in flight are lost)
      const start = Number(/^bytes=(\d+)-$/.exec(ranged[0]?.range ?? '')?.[1]);
      expect(start).toBeGreaterThan(0);
      expect(start).toBeLessThanOrEqual(Math.floor(bundle.length / 2));
      expect(ranged[0]?.ifRange).toMatch(/^"/);
      expect([...phases]).toEqual(expect.arrayContaining(['download', 'verify', 'check', 'store']));
    } finally {
      await cutting.stop();
    }
  });

  it('follows the Atom stub (<link rel="alternate">) to the enclosure and checks the feed\'s SHA-256', async () => {
    const result = await fetchBundle({ url: `${feed.origin}/spa/posture-update.xml`, ca: [caFile], home: home(), env: {} });
    expect(result.url).toBe(`${feed.origin}/spa/posture-offline.zip`);
    expect(result.sha256).toBe(sha);
  });

  it('credentials in the bundle URL never reach the library record or the result', async () => {
    const h = home();
    const withCreds = feed.origin.replace('https://', 'https://feeduser:Secr3tPw@');
    const result = await fetchBundle({ url: `${withCreds}/spa/posture-offline.zip`, ca: [caFile], home: h, sha256: sha, env: {} });
    expect(result.url).not.toContain('Secr3tPw');
    expect(result.entry.source.url).not.toContain('Secr3tPw');
    expect(JSON.stringify(await openLibrary(h).list())).not.toContain('Secr3tPw');
  });

  it('never leaves https for http: a redirect or a feed link to http:// is refused and nothing is fetched from it', async () => {
    const plain = `http://127.0.0.1:${await freePort()}/posture-offline.zip`;
    feed.setFile('/moved/posture-offline.zip', { body: '', status: 302, location: plain });
    feed.setFile('/moved/posture-update.xml', { body: atomFeed({ enclosure: plain }) });
    const h = home();
    const redirected = await fails({ url: `${feed.origin}/moved/posture-offline.zip`, ca: [caFile], home: h });
    expect(redirected.details).toMatchObject({ step: 'http', location: plain });
    const linked = await fails({ url: `${feed.origin}/moved/posture-update.xml`, ca: [caFile], home: h });
    expect(linked.details).toMatchObject({ step: 'http', location: plain });
    expect(libraryFiles(h)).toEqual([]);
    // a redirect that stays on https is followed
    feed.setFile('/moved/ok.zip', { body: '', status: 302, location: '/spa/posture-offline.zip' });
    expect((await fetchBundle({ url: `${feed.origin}/moved/ok.zip`, ca: [caFile], home: home(), env: {} })).sha256).toBe(sha);
  });

  it('a SHA-256 mismatch or a refused bundle leaves nothing in the library', async () => {
    const h = home();
    const mismatch = await fails({ url: `${feed.origin}/spa/posture-offline.zip`, ca: [caFile], home: h, sha256: '0'.repeat(64) });
    expect(mismatch.code).toBe('CHECKSUM_MISMATCH');
    const refused = await fails({ url: `${feed.origin}/bad/posture-offline.zip`, ca: [caFile], home: h });
    expect(refused.code).toBe('NOT_A_ZIP');
    expect(libraryFiles(h)).toEqual([]);
    expect(readdirSync(join(h, 'downloads'))).toEqual([]);
  });

  it('a cut download keeps its .part for a resume; a refusal (TOO_LARGE, 404) removes it', async () => {
    const cutting = await startFeedServer({ files: { '/c.zip': { body: bundle } }, cutFirstDownloadAt: Math.floor(bundle.length / 2) });
    const caPem = join(home(), 'cut2-ca.pem');
    writeFileSync(caPem, cutting.caCert);
    const h = home();
    try {
      const cut = await fails({ url: `${cutting.origin}/c.zip`, ca: [caPem], home: h, retries: 0 });
      expect(cut.code).toBe('TRANSFER_INTERRUPTED');
      const kept = readdirSync(join(h, 'downloads'));
      expect(kept.some((n) => n.endsWith('.zip.part'))).toBe(true);
      const capped = await fails({ url: `${cutting.origin}/c.zip`, ca: [caPem], home: h, maxBytes: 1000 });
      expect(capped.code).toBe('TOO_LARGE');
      expect(readdirSync(join(h, 'downloads'))).toEqual([]);
      // a .part left by a cut, then the URL answers 404: refused, removed
      cutting.setFile('/c.zip', { body: '', status: 404 });
      mkdirSync(join(h, 'downloads'), { recursive: true });
      writeFileSync(
        join(
          h,
          'downloads',
          kept.find((n) => n.endsWith('.part'))!,
        ),
        bundle.subarray(0, 1000),
      );
      const gone = await fails({ url: `${cutting.origin}/c.zip`, ca: [caPem], home: h });
      expect(gone.details).toMatchObject({ step: 'http', status: 404 });
      expect(readdirSync(join(h, 'downloads'))).toEqual([]);
    } finally {
      await cutting.stop();
    }
  });

  it('plain http:// is refused (USAGE, nothing sent) unless allowHttp; https→http stays refused even then', async () => {
    let hits = 0;
    const plain = createHttpServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': bundle.length }).end(bundle);
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/posture-offline.zip`;
    try {
      const refused = await fails({ url, home: home() });
      expect(refused.code).toBe('USAGE');
      expect(refused.message).toContain('--allow-http');
      expect(hits).toBe(0);
      const allowed = await fetchBundle({ url, allowHttp: true, sha256: sha, home: home(), env: {} });
      expect(allowed.sha256).toBe(sha);
      expect(hits).toBe(1);
      feed.setFile('/moved/to-plain.zip', { body: '', status: 302, location: url });
      const downgrade = await fails({ url: `${feed.origin}/moved/to-plain.zip`, allowHttp: true, ca: [caFile], home: home() });
      expect(downgrade.details).toMatchObject({ step: 'http', location: url });
      expect(hits).toBe(1);
    } finally {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  it('names the failing step: http status, tcp host:port; size cap is TOO_LARGE', async () => {
    const notFound = await fails({ url: `${feed.origin}/nothing.zip`, ca: [caFile], home: home() });
    expect(notFound.details).toMatchObject({ step: 'http', status: 404 });
    const port = await freePort();
    const refused = await fails({ url: `https://127.0.0.1:${port}/x.zip`, home: home(), retries: 1 });
    expect(refused.details).toMatchObject({ step: 'tcp', address: `127.0.0.1:${port}` });
    const capped = await fails({ url: `${feed.origin}/spa/posture-offline.zip`, ca: [caFile], home: home(), maxBytes: 1000 });
    expect(capped.code).toBe('TOO_LARGE');
  });
});
