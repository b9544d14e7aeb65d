/**
 * The unknown layout (bundle-format.md: a zip without posture-update.xml, e.g. Cisco's own layout, which is
 * not published): list every entry, open what can be opened — XML (by content, whatever its name: root
 * element with its namespace, `{uri}local`), gzip'd tars (member listings) — and collect anything that looks like a version
 * (four-part numbers and similar, or the value of an attribute or element named like "version") with where
 * it was found; all of it shown as NOT verified, and no versions claimed (`versions: null`).
 * Container faults still propagate: they are refusals in every layout. Every file entry is streamed once
 * (CRC, size, limits), never held whole; only a bounded part of the content is scanned (UnknownScan says how much).
 */
import { CoreError, type Warning } from '../errors.js';
import type { CheckOptions, ChunkSink } from './options.js';
import type { OpeningBundle } from './read.js';
import type { CheckResult, Inspection, Limits, UnknownScan, VersionHint } from './types.js';
import { MANIFEST_NAME } from './layout.js';
import { XmlStream, type XmlBudget } from './xml.js';
import { TarGzLister } from './tar.js';
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

/**
 * Streams one XML document: its root as `{namespace URI}local` (or `local`) and its version hints, kept in
 * `local` and handed over only when the whole document parsed (nothing from a malformed one is shown).
 */
class XmlScanner {
  root: string | null = null;
  failed = false;
  readonly local = new Hints();
  private readonly stack: string[] = [];
  private readonly stream: XmlStream;

  constructor(
    private readonly entry: string,
    budget: XmlBudget,
  ) {
    this.stream = new XmlStream(
      {
        open: (t, depth) => {
          if (depth === 0) {
            // saxen renames unknown prefixes (urn:unknown:…); the declarations on the root say the real URI
            const prefix = t.name.includes(':') ? t.name.slice(0, t.name.indexOf(':')) : '';
            const ns = t.uri.startsWith('urn:unknown:') ? (t.attrs[`xmlns:${prefix}`] ?? t.attrs.xmlns) : t.uri || t.attrs.xmlns;
            this.root = ns ? `{${ns}}${t.local}` : t.local;
          }
          this.stack.push(t.local);
          for (const [name, value] of Object.entries(t.attrs)) {
            if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
            const attribute = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
            this.found(value, { entry, in: 'attribute', element: t.local, attribute }, VERSION_NAME.test(attribute));
          }
        },
        close: () => {
          this.stack.pop();
        },
        text: (s) => {
          const element = this.stack[this.stack.length - 1];
          if (element !== undefined && s.trim() !== '') this.found(s, { entry, in: 'element', element }, VERSION_NAME.test(element));
        },
      },
      { entry, code: 'PAYLOAD_INVALID' },
      { budget },
    );
  }

  private found(value: string, where: Where, named: boolean): void {
    if (named) this.local.named(value, where);
    else this.local.scan(value, where);
  }

  write(chunk: Uint8Array): void {
    if (this.failed) return;
    try {
      this.stream.write(chunk);
    } catch (e) {
      // the XML work budget is the bundle's: over it is a refusal, as for any payload
      if (CoreError.is(e, 'ZIP_LIMIT')) throw e;
      this.failed = true;
    }
  }

  /** The root, or null when the document is not well-formed XML without DTD. */
  end(): string | null {
    if (this.failed) return null;
    try {
      this.stream.end();
    } catch (e) {
      if (CoreError.is(e, 'ZIP_LIMIT')) throw e;
      return null;
    }
    return this.root;
  }
}

/** Collects the first bytes of an entry until its kind can be told, then hands every chunk to the chosen sink. */
class Sniffing {
  private head: Uint8Array[] = [];
  private length = 0;
  private sink: ChunkSink | null = null;

  constructor(private readonly choose: (kind: ReturnType<typeof sniff>) => ChunkSink) {}

  readonly write = async (chunk: Uint8Array): Promise<void> => {
    if (this.sink) return this.sink(chunk);
    this.head.push(chunk);
    this.length += chunk.length;
    if (this.length >= SNIFF_BYTES) await this.decide();
  };

  /** Decides with what arrived (a short entry) and flushes it. */
  async decide(): Promise<void> {
    if (this.sink) return;
    const first = Buffer.concat(this.head);
    this.head = [];
    this.sink = this.choose(sniff(first));
    if (first.length > 0) await this.sink(first);
  }
}

/** Enough bytes to see past a BOM and leading white space (sniff looks at most 4 KiB in). */
const SNIFF_BYTES = 4096 + 8;
const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
const MIB = 1024 * 1024;

/** Builds the Inspection of a zip in an unknown layout. */
export async function inspectUnknown(
  bundle: OpeningBundle,
  limits: Limits,
  checks: CheckResult[],
  opts: CheckOptions,
  budget: XmlBudget,
): Promise<Inspection> {
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
  const allow = (name: string, size: number): boolean => {
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
    hints.scan(base(e.name), { entry: e.name, in: 'file-name' });
    const lower = e.name.toLowerCase();
    const named = lower.endsWith('.tar.gz') || lower.endsWith('.tgz');
    // declared sizes are enforced while inflating, so the scan budget can be decided up front
    const scanned = allow(e.name, e.size);
    const opener: { xml?: XmlScanner; lister?: TarGzLister } = {};
    const sniffing = new Sniffing((kind) => {
      if (scanned && (kind === 'xml' || (lower.endsWith('.xml') && kind === 'other'))) {
        const x = (opener.xml = new XmlScanner(e.name, budget));
        return (chunk) => x.write(chunk);
      }
      if (scanned && (kind === 'gzip' || named)) {
        const l = (opener.lister = new TarGzLister(e.name, e.size, limits));
        return (chunk) => l.write(chunk);
      }
      // every entry is still inflated once, so CRC, size and limits are checked in every layout
      return () => undefined;
    });
    try {
      await bundle.stream(e.name, sniffing.write);
      await sniffing.decide();
    } catch (err) {
      opener.lister?.abort();
      throw err;
    }
    const { xml, lister } = opener;
    if (xml) {
      const root = xml.end();
      if (root !== null) {
        for (const h of xml.local.list) hints.add(h.value, h);
        hints.omitted += xml.local.omitted;
      }
      opened.push(root === null ? { name: e.name, kind: 'other' } : { name: e.name, kind: 'xml', root });
      checks.push({
        id: `open:${e.name}`,
        label: `${e.name} opens as XML`,
        status: root === null ? 'warned' : 'passed',
        ...(root === null ? { code: 'PAYLOAD_INVALID', message: `${e.name} is not well-formed XML without DTD` } : {}),
      });
    } else if (lister) {
      try {
        await lister.end();
        opened.push({ name: e.name, kind: 'tar.gz', members: lister.names });
        for (const m of lister.names) hints.scan(base(m), { entry: e.name, member: m, in: 'file-name' });
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
    sha256: await bundle.sha256,
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
