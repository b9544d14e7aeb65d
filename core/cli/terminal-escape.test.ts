/**
 * issue 8 §3: whatever a bundle names — entries, vendors, products — reaches a terminal escaped (C0, DEL,
 * C1, bidi controls, so no ANSI/OSC sequence runs), and `--json` stays exact JSON with those characters
 * as `\u` escapes. Bundles with hostile names are built at test time from the sample.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './testing.js';
import { escapeDeep, escapeForTerminal, escapeText, isTerminalControl, jsonForTerminal } from './format/escape.js';
import { assembleBundle, sampleManifest, samplePayloads } from '../bundle/write.js';
import { writeRawZip } from '../bundle/zip/raw-writer.js';
import { MANIFEST_NAME } from '../bundle/layout.js';

const ESC = '\u001b';
/** Whether `s` holds anything a terminal would act on, but for line breaks. */
const hasRawControl = (s: string) => [...s].some((c) => c !== '\n' && isTerminalControl(c.charCodeAt(0)));
const dir = mkdtempSync(join(tmpdir(), 'ps-escape-'));
const plainFile = join(dir, 'plain.zip');
const productsFile = join(dir, 'products.zip');
const entryFile = join(dir, 'entry.zip');
const EVIL_ENTRY = `notes${ESC}[31mRED${ESC}]8;;https://evil.example${ESC}\\\\link\u202etxt.exe`;

beforeAll(async () => {
  const p = await samplePayloads({ seed: 7, scale: 0.05 });
  writeFileSync(plainFile, assembleBundle(sampleManifest(p), p.payloads, p.when));
  // vendor and product names may hold C1 and bidi characters: XML 1.0 allows both
  const chart = 'avas-support-chart-windows.xml';
  const xml = Buffer.from(p.payloads.get(chart)!).toString('utf8');
  // a newer chart version, so that diff compares the charts' content
  const edited = xml
    .replace('version="297.0.0.0"', 'version="297.0.0.1"')
    .replace('name="Microsoft Corporation"', 'name="Micro\u2066soft\u2069 Corp\u009b31m"')
    .replace('name="Microsoft Defender Antivirus"', 'name="Defender \u202eexe.txt\u202c AV\u0085"');
  expect(edited).not.toBe(xml);
  const hostile = new Map(p.payloads).set(chart, new Uint8Array(Buffer.from(edited, 'utf8')));
  const versions = { ...p.versions, avasWindows: '297.0.0.1' };
  writeFileSync(productsFile, assembleBundle(sampleManifest({ ...p, versions, payloads: hostile }), hostile, p.when));
  // an entry whose name carries ANSI colour, an OSC 8 hyperlink and a right-to-left override
  writeFileSync(
    entryFile,
    writeRawZip([
      { name: MANIFEST_NAME, data: new Uint8Array(Buffer.from(sampleManifest(p))) },
      ...[...p.payloads].map(([name, data]) => ({ name, data })),
      { name: EVIL_ENTRY, data: new Uint8Array(Buffer.from('hello')) },
    ]),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('escapeForTerminal / jsonForTerminal', () => {
  it('makes every control character visible and leaves other text alone', () => {
    expect(escapeForTerminal(`a${ESC}[2Jb`)).toBe('a\\x1b[2Jb');
    expect(escapeForTerminal('x\u009b31my')).toBe('x\\x9b31my');
    expect(escapeForTerminal('a\u202eb\u2066c\u2069d\u200fe')).toBe('a\\u202eb\\u2066c\\u2069d\\u200fe');
    expect(escapeForTerminal('del\u007f nul\u0000 cr\r lf\n tab\t')).toBe('del\\x7f nul\\x00 cr\\x0d lf\\x0a tab\\x09');
    expect(escapeForTerminal('Windows 11 (All) → ▲ é 日本語')).toBe('Windows 11 (All) → ▲ é 日本語');
    expect(escapeText(`line 1\nline 2${ESC}[0m\r`)).toBe('line 1\nline 2\\x1b[0m\\x0d');
    expect(escapeDeep({ [`k${ESC}`]: [`v\u202e`, 3, null] })).toEqual({ 'k\\x1b': ['v\\u202e', 3, null] });
  });

  it('--json stays exact JSON: C1, DEL and bidi become \\u escapes and parse back to the same string', () => {
    const value = { name: `a${ESC}b\u009bc\u007fd\u202ee\u2028f\u2066g` };
    const text = jsonForTerminal(value);
    expect(hasRawControl(text)).toBe(false);
    expect(text).toContain('\\u009b');
    expect(text).toContain('\\u202e');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('the CLI prints names from a bundle escaped', () => {
  it('inspect: an entry name with ANSI, OSC 8 and RLO is shown escaped, whether listed or refused', async () => {
    const human = await runCli('inspect', entryFile);
    const shown = human.out + human.err;
    expect(hasRawControl(shown)).toBe(false);
    expect(shown).toContain('notes\\x1b[31mRED\\x1b]8;;https://evil.example\\x1b\\\\link\\u202etxt.exe');
    const json = await runCli('inspect', entryFile, '--json');
    expect(hasRawControl(json.out)).toBe(false);
    expect(json.out).toContain('\\u001b[31mRED');
    const doc = JSON.parse(json.out);
    expect(JSON.stringify(doc)).toContain(JSON.stringify(EVIL_ENTRY).slice(1, -1));
  });

  it('diff: vendor and product names with C1 and bidi characters are shown escaped; --json keeps them exact', async () => {
    const human = await runCli('diff', plainFile, productsFile);
    expect(human.code).toBe(0);
    expect(hasRawControl(human.out)).toBe(false);
    expect(human.out).toContain('Defender \\u202eexe.txt\\u202c AV\\x85');
    expect(human.out).toContain('Micro\\u2066soft\\u2069 Corp\\x9b31m');
    const json = await runCli('diff', plainFile, productsFile, '--json');
    expect(hasRawControl(json.out)).toBe(false);
    const added = JSON.parse(json.out).content.products.added as Array<{ vendor: string; product: string }>;
    expect(added).toContainEqual(
      expect.objectContaining({ vendor: 'Micro\u2066soft\u2069 Corp\u009b31m', product: 'Defender \u202eexe.txt\u202c AV\u0085' }),
    );
  });

  it('a refusal quoting a name from the bundle is escaped on stderr', async () => {
    const file = join(dir, 'refused.zip');
    writeFileSync(file, writeRawZip([{ name: `../${ESC}[8mhidden`, data: new Uint8Array(Buffer.from('x')) }]));
    const r = await runCli('inspect', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error ZIP_UNSAFE_PATH: /);
    expect(hasRawControl(r.err)).toBe(false);
    expect(r.err).toContain('\\x1b[8mhidden');
  });
});
