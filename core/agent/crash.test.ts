/**
 * kill -9 at many instants of `posture-stage agent apply` over a ~20 MB bundle (interfaces.md "Apply
 * semantics": a crash at any instant leaves the old or the new state, never a mix). Needs the CLI built
 * (`npm run build:core`).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, readdir, readFile, stat } from 'node:fs/promises';
import { existsSync, watch } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initStore, applyBundle, readStatus, readNodeContent, verifyStore, rollback, DEFAULT_KEEP_STATES } from './index.js';
import { sampleFile, OLD_VERSIONS, NEW_VERSIONS } from './testing.js';
import { storePaths } from './paths.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'core', 'cli', 'bin.js');
let dir: string;
let store: string;
let newFile: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'build', 'dist', 'core', 'cli', 'main.js')))
    throw new Error('crash test needs the CLI: run `npm run build:core` first');
  dir = await mkdtemp(join(tmpdir(), 'agent-crash-'));
  const oldFile = await sampleFile(dir, 'old.zip', { versions: OLD_VERSIONS, scale: 1 });
  newFile = await sampleFile(dir, 'new.zip', { versions: NEW_VERSIONS, scale: 22, seed: 2 });
  store = (await initStore(join(dir, 'store'))).store;
  await applyBundle(store, oldFile);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Kill = { after: 'start'; ms: number } | { after: 'state-dir' | 'pointer'; ms: number } | null;

/**
 * Spawns `agent apply` and SIGKILLs it `ms` after it starts, or after the new state directory (the write
 * phase) or the temp CURRENT (the commit point) appears — so kills land inside the window that matters.
 */
function applyAndKill(kill: Kill): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, 'agent', 'apply', '--store', store, newFile, '--json'], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), kill!.ms);
    };
    const watcher =
      kill && kill.after !== 'start'
        ? watch(kill.after === 'state-dir' ? storePaths(store).states : store, (_e, name) => {
            if (name && (kill.after === 'state-dir' ? name.startsWith('.tmp-') : name.startsWith('.CURRENT.tmp-'))) arm();
          })
        : null;
    if (kill?.after === 'start') arm();
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      watcher?.close();
      resolve({ code, signal, ms: Date.now() - started });
    });
  });
}

/** The store reads back whole: every version old or every version new, payloads matching the state. */
async function assertWhole(): Promise<'old' | 'new'> {
  const status = await readStatus(store);
  const content = await readNodeContent(store);
  const verify = await verifyStore(store);
  expect(verify.problems).toEqual([]);
  expect(content.versions).toEqual(status.versions);
  expect([OLD_VERSIONS, NEW_VERSIONS]).toContainEqual(status.versions);
  for (const c of Object.values(content.components)) expect(c?.version).toBeDefined();
  return status.versions.conditions === NEW_VERSIONS.conditions ? 'new' : 'old';
}

describe('crash safety of agent apply', () => {
  it('SIGKILL at 20 instants leaves old or new, readable, and the next apply succeeds', async () => {
    // one uninterrupted run to learn how long an apply takes here, then back to old
    const full = await applyAndKill(null);
    expect(full.code).toBe(0);
    expect(await assertWhole()).toBe('new');
    await rollback(store);
    expect(await assertWhole()).toBe('old');

    const seen = { old: 0, new: 0, killed: 0, killedWriting: 0 };
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const plan: Kill[] = [
      ...Array.from({ length: 8 }, () => ({ after: 'start' as const, ms: Math.floor(random() * full.ms * 1.05) })),
      ...Array.from({ length: 9 }, () => ({ after: 'state-dir' as const, ms: Math.floor(random() * 150) })),
      ...Array.from({ length: 3 }, (_, i) => ({ after: 'pointer' as const, ms: i })),
    ];
    for (const kill of plan) {
      const run = await applyAndKill(kill);
      if (run.signal === 'SIGKILL') seen.killed++;
      if (run.signal === 'SIGKILL' && kill?.after !== 'start') seen.killedWriting++;
      const outcome = await assertWhole();
      seen[outcome]++;
      // back to old for the next round; rollback also proves the dead process's lock is broken
      if (outcome === 'new') await rollback(store);
    }
    // kills really landed, some inside the write phase (new state dir or CURRENT being written)
    expect(seen.killedWriting).toBeGreaterThan(0);
    expect(seen.old).toBeGreaterThan(0);

    // the next apply succeeds and cleans every leftover of the killed ones
    const last = await applyAndKill(null);
    expect(last.code).toBe(0);
    expect(await assertWhole()).toBe('new');
    const states = await readdir(storePaths(store).states);
    expect(states.filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    // exactly the live state and the kept ones (states.ts): nothing left by the killed runs
    const pointer = JSON.parse(await readFile(storePaths(store).current, 'utf8')) as { state: string; kept: string[] };
    expect(states.sort()).toEqual([pointer.state, ...pointer.kept].sort());
    expect(pointer.kept.length).toBeLessThanOrEqual(DEFAULT_KEEP_STATES - 1);
    expect((await readdir(store)).filter((n) => n.startsWith('apply.lock') || n.includes('.tmp-'))).toEqual([]);
    expect((await stat(storePaths(store).history)).size).toBeGreaterThan(0);
    console.log(
      `crash test: full apply ${full.ms} ms; ${seen.killed} of 20 runs killed (${seen.killedWriting} while writing the new state); afterwards ${seen.old} old, ${seen.new} new`,
    );
  }, 240_000);
});
