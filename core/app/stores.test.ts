/**
 * The app's own files (settings.json, targets.json, activity.jsonl) are parsed through schemas
 * (issue 9 §4): a damaged or hand-edited file is STORE_CORRUPT naming the file and the field, and is
 * left as it was; a missing file is the empty default.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSecretBox } from './secrets.js';
import { SettingsStore } from './settings-store.js';
import { TargetStore } from './targets-store.js';
import { ActivityLog } from './activity.js';

const home = mkdtempSync(join(tmpdir(), 'ps-app-stores-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const box = fileSecretBox(home);

describe('app stores are parsed, not cast', () => {
  it('targets.json: missing is no targets; a target without its kind is STORE_CORRUPT and the file stays', () => {
    const targets = new TargetStore(home, box);
    expect(targets.all()).toEqual([]);
    const text = JSON.stringify({ targets: [{ id: 'a1', name: 'node', url: 'https://n:8443' }] });
    writeFileSync(targets.file, text);
    expect(() => targets.all()).toThrow(
      expect.objectContaining({ code: 'STORE_CORRUPT', details: expect.objectContaining({ file: targets.file }) }),
    );
    expect(() => targets.add({ kind: 'https', name: 'x', url: 'https://x:8443', fingerprint: 'SHA256:x', token: 't' })).toThrow(
      expect.objectContaining({ code: 'STORE_CORRUPT' }),
    );
    expect(readFileSync(targets.file, 'utf8')).toBe(text);
  });

  it('settings.json: fields absent take their defaults; a port that is not a number is STORE_CORRUPT naming it', () => {
    const settings = new SettingsStore(home, box);
    writeFileSync(settings.file, JSON.stringify({ feedUrl: 'https://feed.example/x.zip' }));
    expect(settings.get()).toMatchObject({ feedUrl: 'https://feed.example/x.zip', proxy: { host: '', port: 0 }, libraryDir: home });
    writeFileSync(settings.file, JSON.stringify({ proxy: { host: 'p', port: '3128' } }));
    expect(() => settings.get()).toThrow(
      expect.objectContaining({
        code: 'STORE_CORRUPT',
        details: expect.objectContaining({ problem: expect.stringContaining('proxy.port') }),
      }),
    );
  });

  it('activity.jsonl: a torn last line is skipped; a whole line of the wrong shape is STORE_CORRUPT naming the line', () => {
    const log = new ActivityLog(home);
    log.add({ kind: 'fetch', what: 'posture-offline.zip', result: 'success' });
    writeFileSync(log.file, readFileSync(log.file, 'utf8') + '{"at":"2026');
    expect(log.list()).toHaveLength(1);
    writeFileSync(log.file, readFileSync(log.file, 'utf8') + '\n{"at":"2026","kind":"coffee"}\n');
    expect(() => log.list()).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT', details: expect.objectContaining({ line: 3 }) }));
  });
});
