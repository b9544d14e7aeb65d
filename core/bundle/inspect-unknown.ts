/**
 * The unknown layout (bundle-format.md: a zip without posture-update.xml, e.g. Cisco's own layout, which is
 * not published): list every entry, open what can be opened — XML (by content, whatever its name: root
 * element with its namespace, `{uri}local`), gzip'd tars (member listings) — and collect anything that looks like a version
 * (four-part numbers and similar, or the value of an attribute or element named like "version") with where
 * it was found; all of it shown as NOT verified, and no versions claimed (`versions: null`).
 * Container faults from read() still propagate: they are refusals in every layout. Every file entry is
 * inflated once (CRC, size, limits); only a bounded part of the content is scanned (UnknownScan says how much).
 */
import { CoreError, type Warning } from '../errors.js';
import type { CheckOptions, OpenedBundle } from './index.js';
import type { CheckResult, Inspection, Limits, UnknownScan, VersionHint } from './types.js';
import { MANIFEST_NAME } from './layout.js';
import { parseXml } from './xml.js';
import { listTarGz } from './tar.js';
import { throwIfCancelled } from './zip/fail.js';

/** Bounds of the scan: XML read per entry and per bundle, hints kept (per entry, so one big chart cannot crowd out the rest). */
export const UNKNOWN_SCAN = { maxEntryBytes: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, maxHints: 200, maxHintsPerEntry: 20 } as const;

/** Three- or four-part dotted numbers ("300418.0.0.0", "4.18.2501"): what ISE's versions look like. */
const DOTTED = /(?<!\d|\d\.)\d{1,10}(?:\.\d{1,10}){2,3}(?!\d|\.\d)/g;
/** The value of an attribute or element named like "version": a short token starting with a digit. */
const VERSION_VALUE = /^\d[0-9A-Za-z._-]{0,39}$/;
const VERSION_NAME = /version/i;

type Opened = NonNullable<Inspection['opened']>[number];
type Where = Omit<VersionHint, 'value' | 'verified'>;

/** Collects hints, de-duplicated and capped. */
class Hints {
  readonly list: VersionHint[] = [];
  omitted = 0;
  readonly #seen = new Set<string>();
  readonly #perEntry = new Map<string, number>();

  add(value: string, where: Where): void {
    const key = [value, where.entry, where.member, where.in, where.element, where.attribute].join('\0');
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const n = this.#perEntry.get(where.entry) ?? 0;
    if (this.list.length >= UNKNOWN_SCAN.maxHints || n >= UNKNOWN_SCAN.maxHintsPerEntry) {
      this.omitted++;
      return;
    }
    this.#perEntry.set(where.entry, n + 1);
    this.list.push({ value, ...where, verified: false });
  }

  /** Every dotted number in `text`. */
  scan(text: string, where: Where): void {
    for (const m of text.matchAll(DOTTED)) this.add(m[0], where);
  }

  /** A value named like a version: itself when it looks like one, else the dotted numbers inside it. */
  named(value: string, where: Where): void {
    const v = value.trim();
    if (VERSION_VALUE.test(v)) this.add(v, where);
    else this.scan(v, where);
  }
}

/** What the first bytes say the entry is, whatever its name. */
function sniff(bytes: Uint8Array): 'xml' | 'gzip' | 'other' {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && i < 4096 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (bytes[i] !== 0x3c) return 'other';
  const next = bytes[i + 1];
  // "<?xml", "<!--" or a start tag's first letter
  return next === 0x3f || next === 0x21 || (next !== undefined && /[A-Za-z_:]/.test(String.fromCharCode(next))) ? 'xml' : 'other';
}

/** The root element as `{namespace URI}local` (or `local`) and the version hints of one XML document, or null if it does not parse. */
function scanXml(bytes: Uint8Array, entry: string, hints: Hints): string | null {
  let root: string | null = null;
  const stack: string[] = [];
  const found: Array<[string, Where, boolean]> = [];
  try {
    parseXml(
      bytes,
      {
        open: (t, depth) => {
          if (depth === 0) {
            // saxen renames unknown prefixes (urn:unknown:…); the declarations on the root say the real URI
            const prefix = t.name.includes(':') ? t.name.slice(0, t.name.indexOf(':')) : '';
            const ns = t.uri.startsWith('urn:unknown:') ? (t.attrs[`xmlns:${prefix}`] ?? t.attrs.xmlns) : t.uri || t.attrs.xmlns;
            root = ns ? `{${ns}}${t.local}` : t.local;
          }
          stack.push(t.local);
          for (const [name, value] of Object.entries(t.attrs)) {
            if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
            const attribute = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
            found.push([value, { entry, in: 'attribute', element: t.local, attribute }, VERSION_NAME.test(attribute)]);
          }
        },
        close: () => {
          stack.pop();
        },
        text: (s) => {
          const element = stack[stack.length - 1];
          if (element !== undefined && s.trim() !== '') found.push([s, { entry, in: 'element', element }, VERSION_NAME.test(element)]);
        },
      },
      { entry, code: 'PAYLOAD_INVALID' },
    );
  } catch {
    return null;
  }
  // kept only for a document that parsed: nothing from a malformed one is shown
  for (const [value, where, named] of found) {
    if (named) hints.named(value, where);
    else hints.scan(value, where);
  }
  return root;
}

const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
const MIB = 1024 * 1024;

/** Builds the Inspection of a zip in an unknown layout. */
export async function inspectUnknown(bundle: OpenedBundle, limits: Limits, checks: CheckResult[], opts: CheckOptions): Promise<Inspection> {
  const warning: Warning = {
    code: 'UNKNOWN_LAYOUT',
    message: `This zip has no ${MANIFEST_NAME} at its root, so its layout is not recognised (Cisco does not publish the inside of posture-offline.zip) and its versions cannot be read or compared. Its container passed every check; it can be kept, exported and pushed, and a node stages it as a verified file for upload to ISE — it is never applied per component. What is shown from inside it is not verified.`,
    details: { file: bundle.fileName },
  };
  checks.push({ id: 'manifest', label: `${MANIFEST_NAME} is present`, status: 'warned', code: warning.code, message: warning.message });
  const opened: Opened[] = [];
  const hints = new Hints();
  const scan: UnknownScan = {
    scannedBytes: 0,
    maxBytes: UNKNOWN_SCAN.maxBytes,
    maxEntryBytes: UNKNOWN_SCAN.maxEntryBytes,
    notScanned: [],
    hintsOmitted: 0,
    maxHints: UNKNOWN_SCAN.maxHints,
    maxHintsPerEntry: UNKNOWN_SCAN.maxHintsPerEntry,
  };
  /** Whether `size` more bytes may be scanned; records why not. */
  const budget = (name: string, size: number): boolean => {
    if (size > UNKNOWN_SCAN.maxEntryBytes) {
      scan.notScanned.push({ name, reason: `larger than ${UNKNOWN_SCAN.maxEntryBytes / MIB} MiB` });
      return false;
    }
    if (scan.scannedBytes + size > UNKNOWN_SCAN.maxBytes) {
      scan.notScanned.push({ name, reason: `the scan budget of ${UNKNOWN_SCAN.maxBytes / MIB} MiB was used up` });
      return false;
    }
    scan.scannedBytes += size;
    return true;
  };
  const files = bundle.entries.filter((e) => !e.name.endsWith('/'));
  let done = 0;
  for (const e of files) {
    throwIfCancelled(opts.signal, bundle.fileName, { file: bundle.fileName });
    opts.onProgress?.({ phase: 'parse', done: done++, total: files.length });
    // every entry is inflated once, so CRC, size and limits are checked in every layout
    const bytes = await bundle.read(e.name);
    hints.scan(base(e.name), { entry: e.name, in: 'file-name' });
    const lower = e.name.toLowerCase();
    const named = lower.endsWith('.tar.gz') || lower.endsWith('.tgz');
    const kind = sniff(bytes);
    if (kind === 'xml' || (lower.endsWith('.xml') && kind === 'other')) {
      if (!budget(e.name, bytes.length)) {
        opened.push({ name: e.name, kind: 'other' });
        continue;
      }
      const root = scanXml(bytes, e.name, hints);
      opened.push(root === null ? { name: e.name, kind: 'other' } : { name: e.name, kind: 'xml', root });
      checks.push({
        id: `open:${e.name}`,
        label: `${e.name} opens as XML`,
        status: root === null ? 'warned' : 'passed',
        ...(root === null ? { code: 'PAYLOAD_INVALID', message: `${e.name} is not well-formed XML without DTD` } : {}),
      });
    } else if (kind === 'gzip' || named) {
      if (!budget(e.name, bytes.length)) {
        opened.push({ name: e.name, kind: 'other' });
        continue;
      }
      try {
        const members = await listTarGz(bytes, limits);
        opened.push({ name: e.name, kind: 'tar.gz', members });
        for (const m of members) hints.scan(base(m), { entry: e.name, member: m, in: 'file-name' });
        checks.push({ id: `open:${e.name}`, label: `${e.name} opens as .tar.gz`, status: 'passed' });
      } catch (err) {
        if (err instanceof CoreError && err.code !== 'ZIP_LIMIT' && err.code !== 'PAYLOAD_INVALID') throw err;
        opened.push({ name: e.name, kind: 'other' });
        // a gzip found by its content that is no tar is only listed; a file named .tar.gz that is none is worth a warning
        if (named)
          checks.push({
            id: `open:${e.name}`,
            label: `${e.name} opens as .tar.gz`,
            status: 'warned',
            code: 'PAYLOAD_INVALID',
            message: `${e.name} could not be opened as .tar.gz: ${(err as Error).message}`,
          });
      }
    } else {
      opened.push({ name: e.name, kind: 'other' });
    }
  }
  scan.hintsOmitted = hints.omitted;
  return {
    file: bundle.fileName,
    size: bundle.size,
    sha256: bundle.sha256,
    layout: 'unknown',
    updated: null,
    versions: null,
    components: [],
    entries: bundle.entries,
    warnings: [warning],
    checks,
    opened,
    versionHints: hints.list,
    scan,
  };
}
