/**
 * A newcomer's fresh clone where only the npm registry is reachable (issue 12 §7): this repository's
 * HEAD is cloned into a temporary folder and the README's first command runs there with Electron's
 * download unreachable (its mirror on a closed loopback port, no ELECTRON_SKIP_BINARY_DOWNLOAD) and no
 * build in place. It must end with the app working in Chromium. Then `npm start` in that clone must say
 * in one paragraph why the desktop app cannot start — no stack trace — and exit 1.
 * Slow (a full `npm install`, then the first build): one test, with its timings printed.
 */
import { test, expect } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { ROOT } from './fixtures.js';
import { freePort } from './peers/index.js';

/** The first line of the README's first code block, without its comment: what a newcomer runs first. */
function readmeFirstCommand(readme: string): string {
  const block = /```sh\n([^\n]*)\n/.exec(readme);
  if (!block?.[1]) throw new Error('the README opens with no ```sh block');
  return block[1].replace(/\s+#.*$/, '').trim();
}

/** The npm cache this machine already has: a newcomer's install, without the wait for every tarball. */
function machineNpmCache(): string {
  if (process.env.npm_config_cache) return process.env.npm_config_cache;
  const got = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' });
  return got.stdout.trim();
}

/** A newcomer's environment: none of this run's npm or Electron settings, nor this checkout's tools on PATH. */
function newcomerEnv(home: string, mirror: string, cache: string): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(delimiter);
  const keep = ['HOME', 'USER', 'LANG', 'TMPDIR', 'TERM'];
  const env: NodeJS.ProcessEnv = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  return {
    ...env,
    PATH: path,
    POSTURE_STAGE_HOME: home,
    // Electron's download: nowhere to go (the settings its downloader reads, environment and .npmrc)
    ELECTRON_MIRROR: mirror,
    npm_config_electron_mirror: mirror,
    npm_config_cache: cache,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

/** Runs to the end; resolves with its exit code and output. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

/** Stops a command started in its own process group (sh → npm → posture-stage), by that group's id. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

test('a fresh clone: the README command installs without Electron, serves a working app, and npm start explains the missing binary', async ({
  page,
}) => {
  test.setTimeout(25 * 60_000); // a full npm install and first build on a shared, loaded machine
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  test.skip(head.status !== 0, 'not a git checkout: nothing to clone');
  const sha = head.stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'ps-clone-'));
  const repo = join(dir, 'posture-stage');
  const cache = machineNpmCache();
  mkdirSync(join(dir, 'home'));
  const env = newcomerEnv(join(dir, 'home'), `http://127.0.0.1:${await freePort()}/`, cache);
  let ui: ChildProcess | undefined;
  let out = '';
  let err = '';
  try {
    const t0 = Date.now();
    for (const args of [
      ['clone', '--quiet', '--no-checkout', ROOT, repo],
      ['-C', repo, 'checkout', '--quiet', '--detach', sha],
    ]) {
      const git = spawnSync('git', args, { encoding: 'utf8' });
      expect(git.status, git.stderr).toBe(0);
    }
    expect(existsSync(join(repo, 'build', 'dist')), 'a fresh clone has no build').toBe(false);
    const command = readmeFirstCommand(readFileSync(join(repo, 'README.md'), 'utf8'));
    expect(command, "the README's first command installs and opens the app").toMatch(/^npm install && npx posture-stage ui$/);

    // the README's command, told not to open a browser and to print its URL as JSON (Chromium opens it below)
    const t1 = Date.now();
    let installed = 0;
    ui = spawn('sh', ['-c', `${command} --no-open --json`], { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = ui;
    const url = await new Promise<string>((resolve, reject) => {
      started.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (!installed && err.includes('posture-stage: first run')) installed = Date.now();
      });
      started.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        for (const line of out.split('\n')) {
          if (!line.startsWith('{"ok"')) continue; // npm's own lines come first
          const doc = JSON.parse(line) as { ok: boolean; url?: string };
          if (doc.ok && doc.url) resolve(doc.url);
          else reject(new Error(`posture-stage ui refused to start: ${line}`));
        }
      });
      started.once('exit', (code) =>
        reject(new Error(`the README's command exited with ${code}; its last words:\n${err.split('\n').slice(-12).join('\n')}`)),
      );
    });
    const ready = Date.now();

    await page.goto(url);
    await expect(page.getByRole('heading', { name: 'Welcome to Posture Stage' })).toBeVisible();
    await page.getByTestId('try-locally').click();
    await expect(page.getByTestId('update-info').locator('[data-version="conditions"]')).toHaveText('300418.0.0.0');
    await stopGroup(ui);

    // electron's package is there (the desktop shell's types and installer), its binary is not
    expect(existsSync(join(repo, 'node_modules', 'electron', 'package.json'))).toBe(true);
    expect(existsSync(join(repo, 'node_modules', 'electron', 'dist'))).toBe(false);

    const t2 = Date.now();
    const start = await run('npm', ['start'], repo, env);
    const startMs = Date.now() - t2;
    const said = start.err.split('\n').find((l) => l.startsWith("The desktop app needs Electron's binary")) ?? '';
    expect(start.code, start.out + start.err).toBe(1);
    expect(said, start.err).toContain(`fetching it from the mirror ${env.ELECTRON_MIRROR} failed: connect ECONNREFUSED`);
    expect(said).toContain('Check that the mirror is reachable');
    expect(said).toContain('npx posture-stage ui');
    expect(start.err, 'no stack trace').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(start.err + start.out).not.toMatch(/\w*Error: /);

    console.log(
      `fresh clone (${sha.slice(0, 10)}): clone ${seconds(t1 - t0)} · npm install ${seconds((installed || ready) - t1)} · ` +
        `first run (build and start) ${seconds(ready - (installed || t1))} · app in Chromium ${seconds(t2 - ready)} · ` +
        `npm start without Electron ${seconds(startMs)} · total ${seconds(Date.now() - t0)}`,
    );
  } catch (e) {
    await test.info().attach('readme-command-output', { body: `stdout:\n${out}\nstderr:\n${err}`, contentType: 'text/plain' });
    throw e;
  } finally {
    if (ui) await stopGroup(ui);
    rmSync(dir, { recursive: true, force: true });
    // npx links the clone's own bin from an entry in the npm cache (its manifest names the clone's folder); it goes with the clone
    const npx = join(cache, '_npx');
    for (const entry of existsSync(npx) ? readdirSync(npx) : []) {
      const manifest = join(npx, entry, 'package.json');
      if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(basename(dir)))
        rmSync(join(npx, entry), { recursive: true, force: true });
    }
  }
});
