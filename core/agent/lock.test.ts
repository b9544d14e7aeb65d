import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { acquireApplyLock, breakStaleLock, isApplyRunning } from './lock.js';
import { storePaths } from './paths.js';
import { CoreError } from '../errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('apply lock', () => {
  it('a second taker gets APPLY_BUSY until the first releases', async () => {
    const release = await acquireApplyLock(dir, 'one');
    expect(await isApplyRunning(dir)).toBe(true);
    await expect(acquireApplyLock(dir, 'two')).rejects.toMatchObject({ code: 'APPLY_BUSY' });
    await release();
    expect(await isApplyRunning(dir)).toBe(false);
    const again = await acquireApplyLock(dir, 'three');
    await again();
  });

  it('is held across processes: a live other process keeps it busy', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await writeFile(
        storePaths(dir).lock,
        JSON.stringify({ pid: child.pid, host: hostname(), since: new Date().toISOString(), purpose: 'other', nonce: 'x' }),
      );
      const err = await acquireApplyLock(dir, 'me').catch((e: unknown) => e);
      expect(CoreError.is(err, 'APPLY_BUSY')).toBe(true);
      expect((err as CoreError).details.pid).toBe(child.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('breaks a stale lock left by a killed process', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    await writeFile(
      storePaths(dir).lock,
      JSON.stringify({ pid: child.pid, host: hostname(), since: '2020-01-01T00:00:00Z', purpose: 'dead', nonce: 'y' }),
    );
    expect(await isApplyRunning(dir)).toBe(false);
    const release = await acquireApplyLock(dir, 'me');
    await release();
    expect((await readdir(dir)).filter((n) => n.startsWith('apply.lock'))).toEqual([]);
  });

  it('of many concurrent takers exactly one wins', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => acquireApplyLock(dir, `t${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as CoreError).code).toBe('APPLY_BUSY');
    for (const r of results) if (r.status === 'fulfilled') await r.value();
  });

  it('a breaker that judged an older lock stale never removes the live lock taken since', async () => {
    const release = await acquireApplyLock(dir, 'live');
    await breakStaleLock(storePaths(dir).lock, {
      info: { pid: 2 ** 22 + 1, host: hostname(), since: '2020-01-01T00:00:00Z', purpose: 'dead', nonce: 'judged-stale' },
      ageMs: 0,
      ino: 0,
      mtimeMs: 0,
    });
    expect(await isApplyRunning(dir)).toBe(true);
    await expect(acquireApplyLock(dir, 'other')).rejects.toMatchObject({ code: 'APPLY_BUSY' });
    await release();
    expect((await readdir(dir)).filter((n) => n.startsWith('apply.lock'))).toEqual([]);
  });

  it('of many concurrent breakers of a stale lock exactly one wins', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    for (let round = 0; round < 10; round++) {
      await writeFile(
        storePaths(dir).lock,
        JSON.stringify({ pid: child.pid, host: hostname(), since: '2020-01-01T00:00:00Z', purpose: 'dead', nonce: `z${round}` }),
      );
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => acquireApplyLock(dir, `t${i}`)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as CoreError).code).toBe('APPLY_BUSY');
      for (const r of results) if (r.status === 'fulfilled') await r.value();
    }
  });
});
