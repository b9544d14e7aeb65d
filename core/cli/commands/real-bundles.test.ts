/**
 * Issue 10 end to end, through the built CLI as an admin runs it, over a real HTTPS agent and a real OpenSSH sshd:
 * unknown-layout zips built at test time (nested folders; XML and tar.gz under other names; the reference files
 * without their manifest) are pushed → `outcome: "staged"` → `agent staged` lists them → the hand-off (from the
 * node's store, and fetched over HTTPS and over SFTP) writes a file whose SHA-256 is the original's → `confirm`
 * with a pasted ISE status and an ise-psc.log excerpt in ISE's format gives the right verdicts. A reference-layout
 * bundle covers the per-component verdicts (all present, one older, the log run missing). Custody on push: a node
 * with a trusted signer takes a bundle whose signed manifest the library kept at import, over both transports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd, type Sshd } from '../../../e2e/peers/index.js';
import { initStore, readHistory, readStatus, startAgentServer, type AgentServer } from '../../agent/index.js';
import { sampleFile, unknownLayoutZips, NEW_VERSIONS, OLD_VERSIONS, type UnknownLayoutZip } from '../../agent/testing.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'core', 'cli', 'bin.js');
const remoteCommand = `${process.execPath} ${bin}`;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let work: string;
let home: string;
let sshd: Sshd;
let zips: UnknownLayoutZip[];
let ref: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, POSTURE_STAGE_PROGRESS: '0', POSTURE_STAGE_HOME: home, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}
const json = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await cli([...args, '--json'], env);
  let doc: Record<string, unknown> & { [k: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    doc = JSON.parse(r.out);
  } catch {
    throw new Error(`no JSON from posture-stage ${args.join(' ')} (exit ${r.code}): ${r.out}\n${r.err}`);
  }
  return { code: r.code, doc };
};

/** One node served two ways: its agent over HTTPS and its store over SFTP. */
interface Node {
  store: string;
  server: AgentServer;
  https: string[];
  sftp: string[];
}
async function node(name: string, opts: { trustedSigners?: string[] } = {}): Promise<Node> {
  const { store, fingerprint } = await initStore(join(work, name), { name, ...opts });
  const server = await startAgentServer({ store, port: 0, log: () => undefined });
  return {
    store,
    server,
    https: ['--to', server.url, '--token-file', join(store, 'token'), '--fingerprint', fingerprint],
    sftp: [
      '--to',
      `sftp://root@127.0.0.1:${sshd.port}${store}`,
      '--identity',
      sshd.identity,
      '--host-key',
      sshd.hostKeyFingerprint,
      '--remote-command',
      remoteCommand,
    ],
  };
}
const from = (n: Node, kind: 'https' | 'sftp') =>
  kind === 'https'
    ? ['--from', n.server.url, '--token-file', join(n.store, 'token'), '--fingerprint', n.https[5]!]
    : ['--from', n.sftp[1]!, '--identity', sshd.identity, '--host-key', sshd.hostKeyFingerprint, '--remote-command', remoteCommand];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** "YYYY-MM-DD HH:MM:SS" local, `seconds` from now: ISE's log time. */
const logTime = (seconds: number) => {
  const d = new Date(Date.now() + seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
const iseTime = (seconds: number) => logTime(seconds).replaceAll('-', '/');

/** Update Information as pasted from ISE's GUI (bold values, as the seed's screenshot text). */
const pasted = (v: typeof NEW_VERSIONS, at: string) =>
  `Update Information\n\nLast successful update on: **${at}**\n\nLast update status since ISE was started: **Last update attempt at ${at} was successful**\n\n` +
  `Cisco conditions version: **${v.conditions}**\n\nCisco AV/AS support chart version for windows: **${v.avasWindows}**\n\n` +
  `Cisco AV/AS support chart version for Mac OSX: **${v.avasMac}**\n\nCisco AV/AS support chart version for Linux: **${v.avasLinux}**\n\n` +
  `Cisco supported OS version: **${v.supportedOs}**\n`;

/** An ise-psc.log excerpt in ISE's format: the Japanese page's wrapped form of the run, then ISE's English Completed line. */
const iseLog = (start: string, end: string) =>
  [
    `${start},246 INFO [admin-http-pool5][[]]`,
    'cisco.cpm.posture.download.DownloadManager -::admin::- opswatのダウンロードを開始',
    `${start},251 INFO [admin-http-pool5][[]]`,
    'cisco.cpm.posture.download.DownloadManager -::admin::- オフラインダウンロードファイルURI',
    ':/opt/CSCOCpm/temp/cp/update/5c064701-a1ee-4a09-a190-3bf83c190af6/osgroupsV2.tar.gz',
    `${start},251情報[admin-http-pool5][[]]`,
    `${end},796 INFO [pool-25534-thread-1][[]]`,
    'mnt.dbms.datadirect.impl.DatadirectServiceImpl -:::- getStatusの実行 - datadirectSettings',
    `${end},803 INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Completed opswat download`,
    '',
  ].join('\n');

beforeAll(async () => {
  if (!existsSync(join(root, 'build', 'dist', 'core', 'cli', 'main.js'))) throw new Error('needs the CLI: run `npm run build:core` first');
  work = await mkdtemp(join(tmpdir(), 'ps-real-bundles-'));
  home = join(work, 'home');
  sshd = await startSshd();
  zips = await unknownLayoutZips({ versions: NEW_VERSIONS });
  for (const z of zips) await writeFile(join(work, `${z.shape}.zip`), z.bytes);
  ref = await sampleFile(work, 'reference.zip', { versions: NEW_VERSIONS });
});
afterAll(async () => {
  await sshd?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("Cisco's own layout, end to end over HTTPS and SFTP", () => {
  it('push → staged on the node → agent staged → hand-off with the same SHA-256 → confirm by the log run', async () => {
    const n = await node('stage-01');
    try {
      const before = await readStatus(n.store);
      for (const z of zips) {
        const inspected = await json(['inspect', join(work, `${z.shape}.zip`)]);
        expect([z.shape, inspected.code, inspected.doc.layout, inspected.doc.versions]).toEqual([z.shape, 0, 'unknown', null]);
        expect(
          inspected.doc.versionHints.some((h: { value: string; verified: boolean }) => h.value === '300418.0.0.0' && !h.verified),
        ).toBe(true);
        const pushed = await json(['push', join(work, `${z.shape}.zip`), ...n.https, ...n.sftp]);
        expect([z.shape, pushed.code]).toEqual([z.shape, 0]);
        // both transports: staged, never applied; the SFTP push of the same bytes after HTTPS says it was already staged
        expect(
          pushed.doc.targets.map((t: { outcome: string; applied: unknown[]; staged: { already: boolean } }) => [t.outcome, t.applied]),
        ).toEqual([
          ['staged', []],
          ['staged', []],
        ]);
        expect(pushed.doc.targets.map((t: { staged: { already: boolean } }) => t.staged.already).sort()).toEqual([false, true]);
        await new Promise((r) => setTimeout(r, 5));
      }
      // the installed content never changed
      expect((await readStatus(n.store)).versions).toEqual(before.versions);
      const listed = await json(['agent', 'staged', '--store', n.store]);
      expect(listed.doc.staged.map((s: { sha256: string; layout: string }) => [s.sha256, s.layout])).toEqual(
        [...zips].reverse().map((z) => [sha(z.bytes), 'unknown']),
      );
      expect(listed.doc.staged[0]).toMatchObject({
        size: zips[2]!.bytes.length,
        by: 'admin',
        stagedAt: expect.any(String),
        outcome: 'staged',
      });
      const human = await cli(['agent', 'status', '--store', n.store]);
      expect(human.out).toMatch(/Default posture policies created: no\n\nKept for ISE \(3, newest first/);
      expect((await readHistory(n.store)).filter((h) => h.mode === 'stage')).toHaveLength(6);

      // hand-off: from the store, and fetched over HTTPS and over SFTP; always the original bytes
      const z = zips[1]!;
      const outs = { store: join(work, 'handoff-store'), https: join(work, 'handoff-https'), sftp: join(work, 'handoff-sftp') };
      const fromStore = await json([
        'agent',
        'handoff',
        sha(z.bytes).slice(0, 12),
        '--store',
        n.store,
        '--out',
        outs.store,
        '--deployment',
        'ise-pan-01.example.com',
      ]);
      const overHttps = await json(['handoff', sha(z.bytes), ...from(n, 'https'), '--out', outs.https]);
      const overSftp = await json(['handoff', sha(z.bytes), ...from(n, 'sftp'), '--out', outs.sftp]);
      for (const [how, r, out] of [
        ['store', fromStore, outs.store],
        ['https', overHttps, outs.https],
        ['sftp', overSftp, outs.sftp],
      ] as const) {
        expect([how, r.code, r.doc.layout, r.doc.sha256]).toEqual([how, 0, 'unknown', sha(z.bytes)]);
        expect(sha(await readFile(join(out, 'posture-offline.zip')))).toBe(sha(z.bytes));
        expect((await run('sha256sum', ['-c', 'posture-offline.zip.sha256'], { cwd: out })).stdout).toBe('posture-offline.zip: OK\n');
        expect((await readdir(out)).sort()).toEqual(['HANDOFF.txt', 'posture-offline.zip', 'posture-offline.zip.sha256']);
      }
      const text = await readFile(join(outs.store, 'HANDOFF.txt'), 'utf8');
      expect(text).toContain('once, on the PAN ise-pan-01.example.com');
      expect(text).toContain('Administration > System > Settings > Posture');
      expect(text).toContain('could not be read (layout not recognised)');
      // an SFTP node refuses a hand-off of a bundle it does not keep, and nothing is written
      const missing = await json(['handoff', '0'.repeat(64), ...from(n, 'sftp'), '--out', join(work, 'handoff-none')]);
      expect([missing.code, missing.doc.error.code]).toEqual([2, 'NOT_FOUND']);

      // confirm: versions cannot be compared, the log run decides (after the hand-off time HANDOFF.txt records)
      const bundle = join(outs.https, 'posture-offline.zip');
      const status = join(work, 'status-u.txt');
      await writeFile(status, pasted(NEW_VERSIONS, iseTime(3)));
      const withRun = join(work, 'ise-psc-run.log');
      await writeFile(withRun, iseLog(logTime(2), logTime(3)));
      const taken = await json(['confirm', bundle, '--ise-status', status, '--ise-log', withRun]);
      expect([taken.code, taken.doc.verdict, taken.doc.sinceSource, taken.doc.log.verdict]).toEqual([
        0,
        'taken',
        'HANDOFF.txt',
        'completed',
      ]);
      expect(taken.doc.components.map((c: { verdict: string }) => c.verdict)).toEqual(Array(5).fill('not-compared'));
      expect(taken.doc.log.run.uris).toEqual([
        expect.objectContaining({ uri: '/opt/CSCOCpm/temp/cp/update/5c064701-a1ee-4a09-a190-3bf83c190af6/osgroupsV2.tar.gz' }),
      ]);
      const noLog = await json(['confirm', bundle, '--ise-status', status]);
      expect([noLog.code, noLog.doc.verdict]).toEqual([2, 'cannot-tell']);
      const noRun = join(work, 'ise-psc-none.log');
      await writeFile(noRun, `${logTime(2)},000 INFO  [admin-http-pool1][[]] cisco.cpm.posture.PostureHandler -::admin::- nothing here\n`);
      const missingRun = await json(['confirm', bundle, '--ise-status', status, '--ise-log', noRun]);
      expect([missingRun.code, missingRun.doc.verdict, missingRun.doc.log.verdict]).toEqual([2, 'not-taken', 'no-run']);
    } finally {
      await n.server.close();
    }
  });

  it('reference layout: applied (then skipped) over both, handed off from the applied state, confirm per component', async () => {
    const n = await node('stage-02');
    try {
      const first = await json(['push', ref, ...n.https, ...n.sftp]);
      expect(first.doc.targets.map((t: { outcome: string }) => t.outcome).sort()).toEqual(['applied', 'skipped']);
      const again = await json(['push', ref, ...n.https]);
      expect(again.doc.targets[0]).toMatchObject({ outcome: 'skipped', applied: [], staged: { already: true, layout: 'reference' } });
      const out = join(work, 'handoff-ref');
      const r = await json(['handoff', sha(await readFile(ref)), ...from(n, 'sftp'), '--out', out, '--deployment', 'ise-pan-02']);
      expect([r.code, r.doc.layout, r.doc.versions]).toEqual([0, 'reference', NEW_VERSIONS]);
      expect(sha(await readFile(join(out, 'posture-offline.zip')))).toBe(sha(await readFile(ref)));
      expect(await readFile(join(out, 'HANDOFF.txt'), 'utf8')).toMatch(/Cisco AV\/AS support chart version for Mac OSX:\s+214\.0\.0\.0/);

      const bundle = join(out, 'posture-offline.zip');
      const log = join(work, 'ise-psc-ref.log');
      await writeFile(log, iseLog(logTime(2), logTime(3)));
      const statusOk = join(work, 'status-ok.txt');
      await writeFile(statusOk, pasted(NEW_VERSIONS, iseTime(3)));
      const ok = await json(['confirm', bundle, '--ise-status', statusOk, '--ise-log', log]);
      expect([ok.code, ok.doc.verdict]).toEqual([0, 'taken']);
      expect(ok.doc.components.map((c: { verdict: string }) => c.verdict)).toEqual(Array(5).fill('present'));
      expect(ok.doc.log).toMatchObject({ verdict: 'completed', matchesUpdateInformation: true });

      const statusOld = join(work, 'status-older.txt');
      await writeFile(statusOld, pasted({ ...NEW_VERSIONS, avasLinux: OLD_VERSIONS.avasLinux }, iseTime(3)));
      const older = await json(['confirm', bundle, '--ise-status', statusOld]);
      expect([older.code, older.doc.verdict]).toEqual([2, 'not-taken']);
      expect(older.doc.components.map((c: { key: string; verdict: string }) => [c.key, c.verdict])).toEqual([
        ['conditions', 'present'],
        ['avasWindows', 'present'],
        ['avasMac', 'present'],
        ['avasLinux', 'older'],
        ['supportedOs', 'present'],
      ]);
      const human = await cli(['confirm', bundle, '--ise-status', statusOld]);
      expect(human.out).toMatch(
        /Cisco AV\/AS support chart version for Linux\s+ISE 33\.0\.0\.0\s+bundle 66\.0\.0\.0\s+OLDER — ISE is older: not taken/,
      );

      const noRun = join(work, 'ise-psc-empty.log');
      await writeFile(noRun, '');
      const missing = await json(['confirm', bundle, '--ise-status', statusOk, '--ise-log', noRun]);
      expect([missing.code, missing.doc.verdict, missing.doc.log.verdict]).toEqual([2, 'not-taken', 'no-run']);
      expect(missing.doc.problems[0]).toMatch(/has no "Starting opswat download" line/);
    } finally {
      await n.server.close();
    }
  });
});

describe('custody on push: a node with a trusted signer, over both transports', () => {
  it('the library keeps the signed manifest at import and push sends it first; without it the node refuses', async () => {
    const key = join(work, 'alice_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@workstation', '-f', key]);
    const n = await node('signed', { trustedSigners: [`${key}.pub`] });
    try {
      // workstation A adds and exports; workstation B (this home) imports from the media
      const a = { POSTURE_STAGE_HOME: join(work, 'home-a') };
      const unknown = join(work, `${zips[0]!.shape}.zip`);
      for (const f of [unknown, ref]) {
        const added = await json(['library', 'add', f], a);
        expect(added.code).toBe(0);
        const media = join(work, `usb-${added.doc.sha256.slice(0, 8)}`);
        expect((await json(['library', 'export', added.doc.sha256, media, '--key', key], a)).code).toBe(0);
        const imported = await json(['library', 'import', media, '--trusted-key', `${key}.pub`]);
        expect(imported.doc.custody).toMatchObject({ signer: expect.stringMatching(/^SHA256:/), file: `${added.doc.sha256}.custody.json` });
      }
      // not from the library: no custody → refused by the node over both transports, nothing kept
      const bare = await json(['push', unknown, ...n.https, ...n.sftp]);
      expect(bare.code).toBe(2);
      expect(bare.doc.targets.map((t: { outcome: string; error: { code: string } }) => [t.outcome, t.error.code])).toEqual([
        ['refused', 'CUSTODY_REQUIRED'],
        ['refused', 'CUSTODY_REQUIRED'],
      ]);
      expect((await json(['agent', 'staged', '--store', n.store])).doc.staged).toEqual([]);
      // the library copy: its custody goes first (HTTPS: PUT /api/v1/custody, SFTP: inbox/<sha256>.custody.json)
      const libUnknown = join(home, 'bundles', `${sha(zips[0]!.bytes)}.zip`);
      const viaHttps = await json(['push', libUnknown, ...n.https]);
      expect(viaHttps.doc.targets[0]).toMatchObject({ outcome: 'staged', custody: { signer: { comment: 'alice@workstation' } } });
      const libRef = join(home, 'bundles', `${sha(await readFile(ref))}.zip`);
      const viaSftp = await json(['push', libRef, ...n.sftp]);
      expect(viaSftp.doc.targets[0]).toMatchObject({ outcome: 'applied' });
      const staged = (await json(['agent', 'staged', '--store', n.store])).doc.staged;
      expect(staged.map((s: { layout: string; signer: { name: string } }) => [s.layout, s.signer.name])).toEqual([
        ['reference', 'alice@workstation'],
        ['unknown', 'alice@workstation'],
      ]);
      const history = await readHistory(n.store);
      expect(history.slice(0, 2).map((h) => [h.mode, h.result, h.custody?.signer])).toEqual([
        ['apply', 'success', 'alice@workstation'],
        ['stage', 'success', 'alice@workstation'],
      ]);
      // push --custody with a manifest for another bundle: refused before anything is sent
      const wrong = await json(['push', ref, ...n.https, '--custody', join(work, `usb-${sha(zips[0]!.bytes).slice(0, 8)}`)]);
      expect([wrong.code, wrong.doc.error?.code]).toEqual([2, 'SIGNATURE_INVALID']);
      expect(await readdir(join(n.store, 'inbox'))).toEqual([]);
    } finally {
      await n.server.close();
    }
  });
});
