/** The `posture-stage agent …` commands as an admin (or the SFTP pusher) runs them. Needs `npm run build:core`. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, stat, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { readFile } from 'node:fs/promises';
import { sampleFile, OLD_VERSIONS, NEW_VERSIONS, sha256 } from './testing.js';
import { verifyStore, readHistory } from './index.js';
import { storePaths } from './paths.js';
import { writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'core', 'cli', 'bin.js');
let dir: string;
let oldFile: string;
let newFile: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, POSTURE_STAGE_PROGRESS: '0', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  if (!existsSync(join(root, 'build', 'dist', 'core', 'cli', 'main.js'))) throw new Error('needs the CLI: run `npm run build:core` first');
  dir = await mkdtemp(join(tmpdir(), 'agent-cli-'));
  oldFile = await sampleFile(dir, 'old.zip', { versions: OLD_VERSIONS });
  newFile = await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('posture-stage agent', () => {
  it('init → apply → status → refusal → policies → verify, with --json and exit codes', async () => {
    const store = join(dir, 'node1');
    const init = await cli(['agent', 'init', '--store', store, '--name', 'staging-node-1', '--json']);
    expect(init.code).toBe(0);
    const doc = JSON.parse(init.stdout);
    expect(doc).toMatchObject({ ok: true, store, fingerprint: expect.stringMatching(/^SHA256:/), tokenFile: join(store, 'token') });
    expect((await stat(doc.tokenFile)).mode & 0o777).toBe(0o600);

    const human0 = await cli(['agent', 'status', '--store', store]);
    expect(human0.stdout).toContain('Last successful update on: No Update since Installation');

    const apply = await cli(['agent', 'apply', '--store', store, oldFile, '--json', '--who', 'netops']);
    expect(apply.code).toBe(0);
    expect(JSON.parse(apply.stdout)).toMatchObject({
      ok: true,
      sha256: sha256(await readFile(oldFile)),
      status: { versions: OLD_VERSIONS },
    });

    // over SSH the SFTP pusher's user is recorded
    await copyFile(newFile, join(store, 'inbox', 'posture-offline.zip'));
    const verify = await cli(['agent', 'verify', '--store', store, 'posture-offline.zip', '--json']);
    expect(JSON.parse(verify.stdout)).toEqual({
      ok: true,
      file: 'posture-offline.zip',
      size: (await stat(newFile)).size,
      sha256: sha256(await readFile(newFile)),
    });
    const viaSsh = await cli(['agent', 'apply', '--store', store, 'posture-offline.zip', '--json'], {
      SSH_CONNECTION: '127.0.0.1 5555 127.0.0.1 22',
      USER: 'isepush',
      LOGNAME: 'isepush',
    });
    expect(viaSsh.code).toBe(0);
    expect((await readHistory(store))[0]!.who).toBe('isepush');
    expect((await readHistory(store))[1]!.who).toBe('netops');

    const human = await cli(['agent', 'status', '--store', store]);
    expect(human.stdout).toMatch(
      /^Update Information \(staging-node-1\)\nLast successful update on: \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\nLast update status since ISE was started: Last update attempt at .* was successful\nCisco conditions version: 300418\.0\.0\.0\nCisco AV\/AS support chart version for windows: 297\.0\.0\.0\nCisco AV\/AS support chart version for Mac OSX: 214\.0\.0\.0\nCisco AV\/AS support chart version for Linux: 66\.0\.0\.0\nCisco supported OS version: 101\.6\.3\.0\n/,
    );
    const content = JSON.parse((await cli(['agent', 'status', '--store', store, '--content', '--json'])).stdout);
    expect(content.content.versions).toEqual(NEW_VERSIONS);
    expect(Object.keys(content.content.components)).toHaveLength(6);

    const down = await cli(['agent', 'apply', '--store', store, oldFile, '--json']);
    expect(down.code).toBe(2);
    expect(down.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(down.stdout)).toMatchObject({ ok: false, error: { code: 'DOWNGRADE_REFUSED' } });
    const downHuman = await cli(['agent', 'apply', '--store', store, oldFile]);
    expect(downHuman.stderr).toMatch(/^error DOWNGRADE_REFUSED: /);
    expect(downHuman.stderr).not.toMatch(/at .*\.js:\d+/);

    const del = await cli(['agent', 'policies', 'delete', 'Default_AppVis_Policy_Win', '--store', store, '--json']);
    expect(del.code).toBe(0);
    const list = JSON.parse((await cli(['agent', 'policies', 'list', '--store', store, '--json'])).stdout);
    expect(list.policies.map((p: { name: string }) => p.name)).not.toContain('Default_AppVis_Policy_Win');

    const rb = await cli(['agent', 'rollback', '--store', store, '--json']);
    expect(JSON.parse(rb.stdout)).toMatchObject({ ok: true, steps: 1, status: { versions: OLD_VERSIONS } });
    const rb2 = await cli(['agent', 'rollback', '--store', store, '--to', '1', '--json']);
    expect(JSON.parse(rb2.stdout).status.versions.conditions).toBe('0.0.0.0');
    const rb3 = await cli(['agent', 'rollback', '--store', store, '--json']);
    expect(rb3.code).toBe(2);
    expect(JSON.parse(rb3.stdout).error.code).toBe('NOTHING_TO_ROLL_BACK');

    const usage = await cli(['agent', 'apply', newFile, '--json']);
    expect(usage.code).toBe(1);
    expect(JSON.parse(usage.stdout).error.code).toBe('USAGE');
  });

  it('token add/list/revoke, signers add/list/remove, init --trusted-signer --keep-states, apply --custody, states, rollback --to, history --verify', async () => {
    const run = promisify(execFile);
    const key = join(dir, 'alice_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@workstation', '-f', key]);
    const fp = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`])).stdout.split(' ')[1];
    const store = join(dir, 'node-ops');
    const init = JSON.parse(
      (await cli(['agent', 'init', '--store', store, '--trusted-signer', `${key}.pub`, '--keep-states', '3', '--json'])).stdout,
    );
    expect(init).toMatchObject({ ok: true, keepStates: 3, signers: [{ fingerprint: fp, comment: 'alice@workstation' }] });

    // tokens: the secret is printed once, never listed
    const add = await cli(['agent', 'token', 'add', 'ci-pipeline', '--store', store, '--json']);
    const added = JSON.parse(add.stdout);
    expect(added).toEqual({
      ok: true,
      name: 'ci-pipeline',
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      createdAt: expect.any(String),
    });
    const human = await cli(['agent', 'token', 'add', 'alice', '--store', store]);
    expect(human.stdout).toMatch(/^Token "alice" \(shown once.*\n[A-Za-z0-9_-]{43}\n$/);
    const list = await cli(['agent', 'token', 'list', '--store', store, '--json']);
    expect(JSON.parse(list.stdout)).toEqual({
      ok: true,
      tokens: ['admin', 'ci-pipeline', 'alice'].map((name) => ({ name, createdAt: expect.any(String), lastUsedAt: null })),
    });
    expect(list.stdout).not.toContain(added.token);
    expect(JSON.parse((await cli(['agent', 'token', 'revoke', 'alice', '--store', store, '--json'])).stdout)).toEqual({
      ok: true,
      name: 'alice',
      remaining: ['admin', 'ci-pipeline'],
    });
    const again = await cli(['agent', 'token', 'revoke', 'alice', '--store', store, '--json']);
    expect([again.code, JSON.parse(again.stdout).error.code]).toEqual([2, 'NOT_FOUND']);

    // custody: refused without, applied with the export's manifest
    const unsigned = await cli(['agent', 'apply', '--store', store, oldFile, '--json']);
    expect([unsigned.code, JSON.parse(unsigned.stdout).error.code]).toEqual([2, 'CUSTODY_REQUIRED']);
    const home = join(dir, 'ws-home');
    const lib = JSON.parse((await cli(['library', 'add', oldFile, '--json'], { POSTURE_STAGE_HOME: home })).stdout);
    const exported = await cli(['library', 'export', lib.sha256, join(dir, 'usb'), '--key', key, '--json'], {
      POSTURE_STAGE_HOME: home,
    });
    expect(exported.code).toBe(0);
    const manifest = JSON.parse(exported.stdout).manifest as string;
    const signed = await cli(['agent', 'apply', '--store', store, oldFile, '--custody', manifest, '--json']);
    expect([signed.code, JSON.parse(signed.stdout).status.versions]).toEqual([0, OLD_VERSIONS]);
    expect((await readHistory(store))[0]!.custody).toMatchObject({ signer: 'alice@workstation', fingerprint: fp });

    // signers list/remove/add
    expect(JSON.parse((await cli(['agent', 'signers', 'list', '--store', store, '--json'])).stdout).signers).toHaveLength(1);
    const removed = JSON.parse((await cli(['agent', 'signers', 'remove', fp!, '--store', store, '--json'])).stdout);
    expect(removed).toMatchObject({ ok: true, removed: { fingerprint: fp }, signers: [] });
    const open = await cli(['agent', 'apply', '--store', store, newFile, '--json']);
    expect(open.code).toBe(0);
    const readd = JSON.parse((await cli(['agent', 'signers', 'add', `${key}.pub`, '--store', store, '--json'])).stdout);
    expect(readd).toMatchObject({ ok: true, added: [{ fingerprint: fp }], signers: [{ fingerprint: fp }] });

    // states and rollback --to SHA256
    const states = JSON.parse((await cli(['agent', 'states', '--store', store, '--json'])).stdout);
    expect(states).toMatchObject({
      ok: true,
      keepStates: 3,
      current: { step: 0, versions: NEW_VERSIONS },
      kept: [{ step: 1 }, { step: 2 }],
    });
    const to = await cli(['agent', 'rollback', '--store', store, '--to', states.kept[0].bundleSha256, '--json']);
    expect(JSON.parse(to.stdout)).toMatchObject({ ok: true, steps: 1, status: { versions: OLD_VERSIONS } });
    const bad = await cli(['agent', 'rollback', '--store', store, '--to', 'not a target', '--json']);
    expect([bad.code, JSON.parse(bad.stdout).error.code]).toEqual([1, 'USAGE']);

    // history --verify: intact, then a forged line
    const ok = await cli(['agent', 'history', '--store', store, '--verify', '--json']);
    const verified = JSON.parse(ok.stdout);
    expect([ok.code, verified.ok, verified.broken]).toEqual([0, true, undefined]);
    expect(verified).toMatchObject({ lines: verified.chained, unchained: 0, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const lines = (await readFile(storePaths(store).history, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"result":"success"', '"result":"refused"');
    await writeFile(storePaths(store).history, lines.join('\n'));
    const broken = await cli(['agent', 'history', '--store', store, '--verify', '--json']);
    expect(broken.code).toBe(2);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      ok: false,
      broken: { line: 3, expected: expect.stringMatching(/^[0-9a-f]{64}$/), got: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const brokenHuman = await cli(['agent', 'history', '--store', store, '--verify']);
    expect([brokenHuman.code, brokenHuman.stdout]).toEqual([2, expect.stringMatching(/^History chain BROKEN at line 3/)]);
  });

  it('two concurrent applies from two processes: one APPLY_BUSY or both serialized', async () => {
    const store = join(dir, 'node2');
    await cli(['agent', 'init', '--store', store, '--json']);
    const [a, b] = await Promise.all([
      cli(['agent', 'apply', '--store', store, oldFile, '--json']),
      cli(['agent', 'apply', '--store', store, newFile, '--json']),
    ]);
    const docs = [a, b].map((r) => JSON.parse(r.stdout));
    for (const [i, r] of [a, b].entries()) {
      if (r.code !== 0) expect([r.code, docs[i].error.code]).toEqual([2, expect.stringMatching(/^(APPLY_BUSY|DOWNGRADE_REFUSED)$/)]);
    }
    expect([a.code, b.code]).toContain(0);
    const v = await verifyStore(store);
    expect(v.ok).toBe(true);
    expect([OLD_VERSIONS, NEW_VERSIONS]).toContainEqual(v.state.versions);
  });

  it('serve prints its URL and fingerprint, answers over TLS, stops on SIGTERM', async () => {
    const store = join(dir, 'node3');
    const init = JSON.parse((await cli(['agent', 'init', '--store', store, '--json'])).stdout);
    const child = spawn(process.execPath, [bin, 'agent', 'serve', '--store', store, '--listen', '127.0.0.1:0', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const first = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out);
      });
    });
    const doc = JSON.parse(first);
    expect(doc).toMatchObject({ ok: true, url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), fingerprint: init.fingerprint });
    const dispatcher = new Agent({ connect: { ca: await readFile(join(store, 'tls', 'cert.pem'), 'utf8') } });
    const res = await fetch(`${doc.url}/healthz`, { dispatcher });
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
    await dispatcher.close();
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
