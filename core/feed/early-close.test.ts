/**
 * nodejs/undici#5360: undici 7 ends the process (an uncatchable `assert(!this.paused)`) when a server sends
 * its whole answer and FIN at once while the body is not being read. Every download path of the feed —
 * the zip, the Atom feed, a resume, a redirect, an error answer, the size cap, a reader slower than the
 * socket — runs against such a peer, each in a child process (a crash would take the test runner down).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBundle } from '../bundle/index.js';
import { atomFeed, startClosingFeed, type ClosingFeed } from '../../e2e/peers/index.js';
import { partPathFor } from './fetch.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runner = join(root, 'core', 'feed', 'testing.ts');
const work = mkdtempSync(join(tmpdir(), 'ps-early-close-'));
let peer: ClosingFeed;
let bundle: Uint8Array;
let sha: string;
let caFile: string;
let homes = 0;

interface Outcome {
  exit: number | null;
  stderr: string;
  doc: { ok: boolean; code?: string; sha256?: string; resumed?: boolean; details?: Record<string, unknown> } | undefined;
}

/** Runs one fetchBundle in a child; resolves with its exit code, stderr and its one JSON line. */
function fetchInChild(opts: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runner, JSON.stringify({ ca: [caFile], ...opts })], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (exit) => {
      const line = stdout.trim().split('\n').pop();
      resolve({ exit, stderr, doc: line ? JSON.parse(line) : undefined });
    });
  });
}

function home(): string {
  return join(work, `home-${++homes}`);
}

/** The child lived to report: no uncaught assertion from undici's parser. */
function survived(o: Outcome): void {
  expect(o.stderr).not.toMatch(/AssertionError|assert\(!this\.paused\)/);
  expect(o.exit).toBe(0);
  expect(o.doc).toBeDefined();
}

beforeAll(async () => {
  bundle = await writeBundle({ seed: 5 });
  sha = createHash('sha256').update(bundle).digest('hex');
  const junk = 'x'.repeat(100_000);
  // a feed well over undici's 64 KB body buffer: padding after the root element is still a valid document
  const feedXml = atomFeed({ enclosure: '/posture-offline.zip', sha256: sha }) + `<!-- ${junk} -->\n`;
  peer = await startClosingFeed({
    '/posture-offline.zip': { body: bundle, type: 'application/zip' },
    '/posture-update.xml': { body: feedXml, type: 'application/atom+xml' },
    '/moved.zip': { body: junk, status: 302, location: '/posture-offline.zip' },
    '/missing.zip': { body: junk, status: 404 },
    '/lengthless.zip': { body: bundle, lengthless: true },
  });
  caFile = join(work, 'ca.pem');
  writeFileSync(caFile, peer.caCert);
  expect(bundle.length).toBeGreaterThan(256 * 1024);
});

afterAll(async () => {
  await peer.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('a server that sends everything and closes at once (nodejs/undici#5360)', () => {
  it('the zip is downloaded, verified and stored', async () => {
    const o = await fetchInChild({ url: `${peer.origin}/posture-offline.zip`, home: home() });
    survived(o);
    expect(o.doc).toMatchObject({ ok: true, sha256: sha, resumed: false });
  });

  it('an Atom feed over 64 KB is read, and its enclosure downloaded', async () => {
    const o = await fetchInChild({ url: `${peer.origin}/posture-update.xml`, home: home() });
    survived(o);
    expect(o.doc).toMatchObject({ ok: true, sha256: sha });
  });

  it('a resume: the .part holds the first half, the 206 answer brings the rest with FIN', async () => {
    const h = home();
    const url = `${peer.origin}/posture-offline.zip`;
    const part = partPathFor(join(h, 'downloads'), url);
    const half = Math.floor(bundle.length / 2);
    mkdirSync(join(h, 'downloads'), { recursive: true });
    writeFileSync(part, bundle.subarray(0, half));
    writeFileSync(`${part}.json`, JSON.stringify({ url, validator: '"closing-feed-1"' }));
    const o = await fetchInChild({ url, home: h, sha256: sha });
    survived(o);
    expect(o.doc).toMatchObject({ ok: true, sha256: sha, resumed: true });
    expect(peer.requests.some((r) => r.range === `bytes=${half}-`)).toBe(true);
  });

  it('a redirect and an error answer, both with 100 KB bodies', async () => {
    const moved = await fetchInChild({ url: `${peer.origin}/moved.zip`, home: home() });
    survived(moved);
    expect(moved.doc).toMatchObject({ ok: true, sha256: sha });
    const missing = await fetchInChild({ url: `${peer.origin}/missing.zip`, home: home(), retries: 0 });
    survived(missing);
    expect(missing.doc).toMatchObject({ ok: false, code: 'UNREACHABLE', details: { step: 'http', status: 404 } });
  });

  it('the size cap: TOO_LARGE, by Content-Length and while counting', async () => {
    const byLength = await fetchInChild({ url: `${peer.origin}/posture-offline.zip`, home: home(), maxBytes: 100_000 });
    survived(byLength);
    expect(byLength.doc).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    const counted = await fetchInChild({ url: `${peer.origin}/lengthless.zip`, home: home(), maxBytes: 100_000 });
    survived(counted);
    expect(counted.doc).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('a body without Content-Length, ended by the close itself', async () => {
    const o = await fetchInChild({ url: `${peer.origin}/lengthless.zip`, home: home() });
    survived(o);
    expect(o.doc).toMatchObject({ ok: true, sha256: sha });
  });

  it('a reader slower than the socket', async () => {
    const o = await fetchInChild({ url: `${peer.origin}/posture-offline.zip`, home: home(), slowReaderMs: 3 });
    survived(o);
    expect(o.doc).toMatchObject({ ok: true, sha256: sha });
  });
});
