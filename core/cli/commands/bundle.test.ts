import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../testing.js';
import { PAYLOAD_FIXTURES, unknownLayoutBundle } from '../../bundle/fixtures/payload.js';

const dir = mkdtempSync(join(tmpdir(), 'ps-cli-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const cli = runCli;

describe('posture-stage sample / inspect / diff', () => {
  const a = join(dir, 'a.zip');
  const b = join(dir, 'b.zip');

  it('sample writes the same bytes for the same seed', async () => {
    const r1 = await cli('sample', '--out', a, '--scale', '0.2', '--seed', '9', '--json');
    expect(r1.code).toBe(0);
    const j = JSON.parse(r1.out);
    expect(j).toMatchObject({ ok: true, file: a });
    const first = readFileSync(a);
    await cli('sample', '--out', a, '--scale', '0.2', '--seed', '9', '--json');
    expect(readFileSync(a).equals(first)).toBe(true);
  });

  it('inspect --json prints the interfaces.md shape', async () => {
    const r = await cli('inspect', a, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(
      expect.arrayContaining(['ok', 'file', 'size', 'sha256', 'layout', 'updated', 'versions', 'components', 'entries', 'warnings']),
    );
    expect(j).toMatchObject({
      ok: true,
      file: 'a.zip',
      layout: 'reference',
      versions: {
        conditions: '300418.0.0.0',
        avasWindows: '297.0.0.0',
        avasMac: '214.0.0.0',
        avasLinux: '66.0.0.0',
        supportedOs: '101.6.3.0',
      },
    });
    expect(Object.keys(j.components[0])).toEqual(expect.arrayContaining(['id', 'file', 'version', 'size', 'sha256', 'summary']));
    expect(Object.keys(j.entries[0])).toEqual(['name', 'size', 'compressedSize']);
  });

  it('inspect prints ISE-style Update Information for humans', async () => {
    const r = await cli('inspect', a);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Cisco AV\/AS support chart version for Mac OSX\s+214\.0\.0\.0/);
    expect(r.out).toMatch(/Cisco supported OS version\s+101\.6\.3\.0/);
    expect(r.out).toMatch(/defaults: 7 policies/);
  });

  it('inspect refuses a hostile bundle with the code, exit 2, no stack trace', async () => {
    const bomb = PAYLOAD_FIXTURES.find((f) => f.name === 'billion laughs in conditions')!;
    const file = join(dir, 'bomb.zip');
    writeFileSync(file, await bomb.build());
    const r = await cli('inspect', file, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: false,
      error: { code: 'PAYLOAD_INVALID', entry: 'posture-conditions.xml', reason: 'doctype' },
    });
    const human = await cli('inspect', file);
    expect(human.code).toBe(2);
    expect(human.err).toMatch(/^error PAYLOAD_INVALID: /);
    expect(human.err).not.toMatch(/\n\s+at /);
  });

  it('diff OLD NEW: components with from → to and change, content, downgrade marker', async () => {
    await cli('sample', '--out', b, '--scale', '0.4', '--seed', '10', '--conditions', '300500.0.0.0', '--avas-mac', '213.0.0.0');
    const r = await cli('diff', a, b, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.components).toContainEqual({ id: 'conditions', from: '300418.0.0.0', to: '300500.0.0.0', change: 'upgrade' });
    expect(j.components).toContainEqual({ id: 'avas-mac', from: '214.0.0.0', to: '213.0.0.0', change: 'downgrade' });
    expect(j.downgrade).toBe(true);
    expect(j.content.products.signatureChanged.length).toBeGreaterThan(0);
    const human = await cli('diff', a, b);
    expect(human.out).toMatch(/conditions\s+300418\.0\.0\.0\s+→\s+300500\.0\.0\.0\s+▲ upgrade/);
    expect(human.out).toMatch(/avas-mac\s+214\.0\.0\.0\s+→\s+213\.0\.0\.0\s+▼ downgrade/);
  });

  it('diff with a missing argument is a usage error (exit 1)', async () => {
    const r = await cli('diff', a, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });

  it('sample with a bad version is a usage error', async () => {
    const r = await cli('sample', '--out', join(dir, 'x.zip'), '--avas-linux', '66', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });

  it('sample into a folder that does not exist is a usage error that names the file, and leaves nothing behind', async () => {
    const out = join(dir, 'missing', 'x.zip');
    const r = await cli('sample', '--out', out, '--scale', '0.1', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'USAGE', file: out, reason: 'ENOENT' } });
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('x.zip'))).toEqual([]);
  });

  it('inspect of an unknown layout succeeds with layout "unknown", no versions and UNKNOWN_LAYOUT', async () => {
    const file = join(dir, 'unknown.zip');
    writeFileSync(file, await unknownLayoutBundle());
    const r = await cli('inspect', file, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ ok: true, layout: 'unknown', versions: null, updated: null, components: [] });
    expect(j.warnings.map((w: { code: string }) => w.code)).toEqual(['UNKNOWN_LAYOUT']);
    expect(j.entries.length).toBeGreaterThan(0);
  });

  it('diff refuses an OLD bundle in the unknown layout with MANIFEST_MISSING (exit 2)', async () => {
    const r = await cli('diff', join(dir, 'unknown.zip'), a, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'MANIFEST_MISSING', file: 'unknown.zip' } });
  });
});
