/**
 * checkBundle / inspectBundle: every content check of bundle-format.md on a container that
 * readBundle opened ("Reference layout", "Manifest", "Payloads"), producing the Inspection model.
 * Memory: no entry is held whole: each is streamed once through its hash, its nested .tar.gz and its
 * XML parser into a summary (a 10 MB input stays within a few hundred MB whatever it inflates to).
 */
import { rm } from 'node:fs/promises';
import { CoreError, type Warning } from '../errors.js';
import type { CheckedBundle, CheckOptions, OpenedBundle } from './options.js';
import { mergeLimits } from './limits.js';
import { openBundle, type BundleInput, type OpeningBundle } from './read.js';
import { manifestMissing } from './reference.js';
import type { CheckResult, ComponentContent, ComponentId, ComponentInfo, Inspection, Limits, Versions } from './types.js';
import { LAYOUT, LAYOUT_BY_ID, MANIFEST_NAME, type LayoutRow } from './layout.js';
import { VERSION_COMPONENTS } from './components.js';
import { manifestParser, type Manifest, type ManifestEntry } from './manifest.js';
import { parserFor, type ParsedPayload } from './payloads.js';
import { TarGzMemberReader } from './tar.js';
import { XmlBudget } from './xml.js';
import { isBudgetError, LaneBudget } from './xml/budget.js';
import { inspectUnknown } from './inspect-unknown.js';
import { createPayloadFile, payloadFilePath } from './payload-files.js';
import { throwIfCancelled } from './zip/fail.js';
import type { ComponentSummary } from './types.js';

function isOpened(x: unknown): x is OpenedBundle {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Uint8Array) &&
    typeof (x as OpenedBundle).stream === 'function' &&
    Array.isArray((x as OpenedBundle).entries)
  );
}

/** Records each check's outcome; a failure is recorded, then thrown. */
class Checks {
  readonly list: CheckResult[] = [];
  pass(id: string, label: string): void {
    this.list.push({ id, label, status: 'passed' });
  }
  warn(id: string, label: string, w: Warning): void {
    this.list.push({ id, label, status: 'warned', code: w.code, message: w.message });
  }
  /** Runs `fn`; on a CoreError records it as failed (with the list so far in the error details) and rethrows. */
  async run<T>(id: string, label: string, fn: () => T | Promise<T>): Promise<T> {
    try {
      const r = await fn();
      this.pass(id, label);
      return r;
    } catch (e) {
      if (e instanceof CoreError) this.list.push({ id, label, status: 'failed', code: e.code, message: e.message });
      throw e;
    }
  }
}

/** What one pass over a payload found: its length and hash, and the verdicts of the tar and XML layers. */
interface Streamed {
  size: number;
  sha256: string;
  tarError: unknown;
  parseError: unknown;
  parsed: ParsedPayload<ComponentSummary> | null;
}

/** What every payload's pass shares: the limits, where payload files go (apply), whether the content is kept (not for inspect). */
interface PassOptions {
  limits: Limits;
  payloadDir: string | undefined;
  content: boolean;
}

/**
 * One pass over a payload entry: SHA-256 and length measured, the nested .tar.gz (if any) walked and the
 * XML parsed as it inflates, nothing held whole. Each layer's refusal is kept, not thrown, so the
 * caller reports them in the spec's order (container, length, SHA-256, tar, XML) whatever came first.
 * Once the entry is longer than the manifest says, the verdict is LENGTH_MISMATCH and parsing stops.
 * Only the XML work budget ends the pass at once: past it, every further byte would be wasted work.
 */
async function streamPayload(
  bundle: OpeningBundle,
  m: ManifestEntry,
  budget: XmlBudget,
  { limits, payloadDir, content }: PassOptions,
  lane?: { alongside: string; stopped: () => boolean },
): Promise<Streamed> {
  const row = LAYOUT_BY_ID.get(m.component) as LayoutRow;
  const member = row.member;
  const out: Streamed = { size: 0, sha256: '', tarError: null, parseError: null, parsed: null };
  const parser = parserFor(row.payload, { entry: m.href, member, code: 'PAYLOAD_INVALID' }, { budget, content });
  const xml = {
    write: (chunk: Uint8Array): void => {
      if (out.parseError !== null) return;
      try {
        parser.write(chunk);
      } catch (e) {
        if (isBudgetError(e)) throw e;
        out.parseError = e;
      }
    },
    end: (): void => {
      if (out.parseError !== null) return;
      try {
        out.parsed = parser.end();
      } catch (e) {
        if (isBudgetError(e)) throw e;
        out.parseError = e;
      }
    },
  };
  const declared = bundle.entries.find((e) => e.name === m.href)?.size ?? m.length;
  const tar = member ? new TarGzMemberReader(m.href, member, declared, limits, xml) : null;
  let feeding = true;
  // the very chunks hashed here are the payload file's (payload-files.ts)
  const written =
    payloadDir !== undefined && bundle.entries.some((e) => e.name === m.href) ? await createPayloadFile(payloadDir, m.component) : null;
  try {
    const sink = (chunk: Uint8Array): void | Promise<void> => {
      if (lane?.stopped()) throw new LaneStopped();
      out.size += chunk.length;
      const wrote = written?.write(chunk);
      if (!feeding) return wrote;
      if (out.size > m.length) {
        feeding = false;
        tar?.abort();
        return wrote;
      }
      if (!tar) {
        xml.write(chunk);
        return wrote;
      }
      const pending = tar.write(chunk);
      if (isBudgetError(tar.failure)) throw tar.failure;
      return wrote && pending ? Promise.all([wrote, pending]).then(() => undefined) : (wrote ?? pending);
    };
    out.sha256 = (await bundle.stream(m.href, sink, lane?.alongside)).sha256;
    await written?.end();
  } catch (e) {
    tar?.abort();
    await written?.end().catch(() => undefined);
    throw e;
  }
  if (!feeding) return out;
  if (tar) {
    try {
      await tar.end();
    } catch (e) {
      if (isBudgetError(e)) throw e;
      out.tarError = e;
    }
  } else xml.end();
  return out;
}

/** A lane's pass was stopped because the check ended before its turn came. */
class LaneStopped extends Error {
  constructor() {
    super('stopped: the check ended before this payload was reached');
  }
}

/**
 * The pass over the next component, started beside the one being checked (two lanes). It runs under the
 * limits it would have in turn (read.ts counts the entry beside it at its declared size) and its XML work
 * is counted apart (LaneBudget). When its turn comes, inTurn() joins its work to the bundle's budget; if,
 * read in order, the budget would have run out in it, it is stopped and read again in turn, so the refusal
 * is the very one (entry, offset) the one-after-the-other check gives.
 */
class Lane {
  private readonly budget: LaneBudget;
  private stopped = false;
  private readonly pass: Promise<Streamed>;
  private readonly settled: Promise<unknown>;

  constructor(
    private readonly m: ManifestEntry,
    alongside: string,
    private readonly base: XmlBudget,
    private readonly run: (budget: XmlBudget, lane?: { alongside: string; stopped: () => boolean }) => Promise<Streamed>,
    private readonly payloadDir: string | undefined,
  ) {
    this.budget = new LaneBudget(base);
    this.pass = run(this.budget, { alongside, stopped: () => this.stopped });
    // its outcome is taken in turn (or never, if the check ends first): not an unhandled rejection meanwhile
    this.settled = this.pass.catch(() => undefined);
  }

  /** Its turn: the pass as it is, or, when in order the budget would have run out in it, the same pass again in turn. */
  inTurn(): Promise<Streamed> {
    if (this.budget.promote()) return this.pass;
    return (async () => {
      await this.stop();
      if (this.payloadDir !== undefined) await rm(payloadFilePath(this.payloadDir, this.m.component), { force: true });
      return this.run(this.base);
    })();
  }

  /** Stops the pass (at its next chunk) and waits for it to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled;
  }
}

/** Why a listed payload cannot be read as the component it claims to be (null: it is at the archive root, and is the file ISE reads). */
function entryProblem(m: ManifestEntry, rootFiles: ReadonlySet<string>): CoreError | null {
  const id = m.component;
  const layoutName = LAYOUT_BY_ID.get(id)?.file;
  // the decoy (issue 8 §4): ISE reads a component by its layout name, so the file checked must be that one
  if (layoutName !== undefined && m.href !== layoutName && rootFiles.has(layoutName)) {
    return new CoreError(
      'MANIFEST_INVALID',
      `The manifest says component "${id}" is in ${m.href}, but the zip also holds ${layoutName}, the file ISE reads for it: the file checked would not be the file used. Refused; download posture-offline.zip again from Cisco.`,
      { component: id, entry: layoutName, href: m.href, reason: 'decoy' },
    );
  }
  if (!rootFiles.has(m.href)) {
    return new CoreError(
      'ENTRY_MISSING',
      `The manifest says component "${id}" is in ${m.href}, but the zip has no such file at its root. The bundle is incomplete; download it again.`,
      { component: id, entry: m.href },
    );
  }
  return null;
}

/** Checks one listed payload from its pass (`streamed`, started by the caller unless the entry has a problem): present, length, SHA-256, (nested tar), XML shape, version. */
async function checkComponent(
  m: ManifestEntry,
  problem: CoreError | null,
  streamed: Promise<Streamed> | null,
  checks: Checks,
): Promise<{ info: ComponentInfo; content: ComponentContent }> {
  const id = m.component;
  await checks.run(`entry:${id}`, `${m.href} is present at the archive root`, () => {
    if (problem !== null) throw problem;
  });
  const { size, sha256, tarError, parseError, parsed } = await (streamed as Promise<Streamed>);
  await checks.run(`length:${id}`, `${m.href} has the length the manifest states`, () => {
    if (size !== m.length)
      throw new CoreError(
        'LENGTH_MISMATCH',
        `${m.href} is ${size} bytes but the manifest says ${m.length}. The bundle was altered or damaged; download it again.`,
        { component: id, entry: m.href, expected: m.length, actual: size },
      );
  });
  await checks.run(`sha256:${id}`, `${m.href} has the SHA-256 the manifest states`, () => {
    if (sha256 !== m.sha256)
      throw new CoreError(
        'CHECKSUM_MISMATCH',
        `${m.href} has SHA-256 ${sha256} but the manifest says ${m.sha256}. The bundle was altered or damaged; download it again.`,
        { component: id, entry: m.href, expected: m.sha256, actual: sha256 },
      );
  });
  const member = LAYOUT_BY_ID.get(id)?.member;
  if (member)
    await checks.run(`tar:${id}`, `${m.href} is a safe .tar.gz holding only ${member}`, () => {
      if (tarError !== null) throw tarError;
    });
  const result = await checks.run(`payload:${id}`, `${member ?? m.href} is well-formed ${id} XML without DTD`, () => {
    if (parseError !== null) throw parseError;
    return parsed as ParsedPayload<ComponentSummary>;
  });
  await checks.run(`version:${id}`, `${m.href} states the manifest's version ${m.version}`, () => {
    if (result.version !== m.version)
      throw new CoreError(
        'VERSION_MISMATCH',
        `${member ?? m.href} says version ${result.version} but the manifest says ${m.version} for "${id}". The bundle is inconsistent; download it again.`,
        { component: id, entry: m.href, expected: m.version, actual: result.version },
      );
  });
  return {
    info: { id, file: m.href, version: m.version, size, sha256, summary: result.summary },
    content: { id, version: m.version, sha256, ...result.content },
  };
}

/** Streams the manifest into its parser; a container fault wins over a parse error, as when it was read whole. */
async function readManifestEntry(bundle: OpeningBundle, budget: XmlBudget): Promise<() => Manifest> {
  const parser = manifestParser({ budget });
  let error: unknown = null;
  await bundle.stream(MANIFEST_NAME, (chunk) => {
    if (error !== null) return;
    try {
      parser.write(chunk);
    } catch (e) {
      if (isBudgetError(e)) throw e;
      error = e;
    }
  });
  return () => {
    if (error !== null) throw error;
    return parser.end();
  };
}

/**
 * Every check of the spec; throws the first refusal as a CoreError. A path or bytes are opened and closed
 * here, with the whole-file SHA-256 running while the entries are checked; an OpenedBundle stays the caller's.
 */
export async function checkBundle(input: BundleInput | OpenedBundle, opts: CheckOptions = {}): Promise<CheckedBundle> {
  if (isOpened(input)) return checkOpened({ ...input, sha256: Promise.resolve(input.sha256) }, opts);
  const bundle = await openBundle(input, opts);
  try {
    return await checkOpened(bundle, opts);
  } finally {
    await bundle.close();
  }
}

async function checkOpened(bundle: OpeningBundle, opts: CheckOptions): Promise<CheckedBundle> {
  // the same merge as readBundle's: an explicit undefined keeps the default, a bad value is USAGE
  const limits = mergeLimits(opts.limits);
  const checks = new Checks();
  checks.pass('container', 'zip container is sound (paths, limits, CRC)');
  const files = bundle.entries.filter((e) => !e.name.endsWith('/'));
  if (!files.some((e) => e.name === MANIFEST_NAME)) {
    if (opts.requireReference) {
      throw manifestMissing(bundle.fileName, { entries: files.map((e) => e.name).slice(0, 50) });
    }
    const inspection = await inspectUnknown(
      bundle,
      limits,
      checks.list,
      opts,
      XmlBudget.forBundle(bundle.size, limits.xmlNodesPerByte, limits.minXmlNodes),
    );
    return { bundle: infoOf(bundle, inspection.sha256), inspection, contents: new Map() };
  }
  const budget = XmlBudget.forBundle(bundle.size, limits.xmlNodesPerByte, limits.minXmlNodes);
  const manifest = await checks.run('manifest', `${MANIFEST_NAME} is a valid manifest listing all seven components`, async () =>
    (await readManifestEntry(bundle, budget))(),
  );
  const components: ComponentInfo[] = [];
  const contents = new Map<ComponentId, ComponentContent>();
  const rootFiles = new Set(files.filter((e) => !e.name.includes('/')).map((e) => e.name));
  // Two lanes (issue 11, "faster than the standard tools"): while one component inflates and parses, the
  // next one starts beside it, so two entries inflate at once (on the inflating worker, or the thread pool)
  // while this thread parses both; memory holds a window of the zip and a chunk of each. Verdicts are still
  // taken strictly in the layout's order, each exactly as if the components had been read one after the
  // other (see Lane).
  const pass: PassOptions = { limits, payloadDir: opts.payloadDir, content: opts.contents !== false };
  let next: Lane | null = null;
  try {
    for (let i = 0; i < LAYOUT.length; i++) {
      const m = manifest.entries.get((LAYOUT[i] as LayoutRow).id) as ManifestEntry;
      throwIfCancelled(opts.signal, bundle.fileName, { file: bundle.fileName });
      opts.onProgress?.({ phase: 'parse', done: i, total: LAYOUT.length });
      const lane: Lane | null = next;
      next = null;
      // a lane is started only for a payload without a problem
      const problem = lane !== null ? null : entryProblem(m, rootFiles);
      const streamed = problem !== null ? null : lane !== null ? lane.inTurn() : streamPayload(bundle, m, budget, pass);
      const after = LAYOUT[i + 1] && (manifest.entries.get((LAYOUT[i + 1] as LayoutRow).id) as ManifestEntry);
      if (streamed !== null && after && after.href !== m.href && entryProblem(after, rootFiles) === null)
        next = new Lane(after, m.href, budget, (b, l) => streamPayload(bundle, after, b, pass, l), opts.payloadDir);
      const { info, content } = await checkComponent(m, problem, streamed, checks);
      components.push(info);
      if (pass.content) contents.set(m.component, content);
    }
  } finally {
    // a refusal ends the pass beside it too (and waits for it: nothing runs on once the check has ended)
    await next?.stop();
  }
  opts.onProgress?.({ phase: 'parse', done: LAYOUT.length, total: LAYOUT.length });
  const listed = new Set([MANIFEST_NAME, ...[...manifest.entries.values()].map((m) => m.href)]);
  const warnings: Warning[] = [];
  for (const e of files) {
    if (listed.has(e.name)) continue;
    // inflated once all the same: CRC, size and limits are container checks, refusals in every layout (bundle-format.md)
    throwIfCancelled(opts.signal, bundle.fileName, { file: bundle.fileName });
    await bundle.stream(e.name, () => undefined);
    const w: Warning = {
      code: 'UNLISTED_ENTRY',
      message: `${e.name} is not listed in the manifest; it is kept but never applied.`,
      details: { entry: e.name },
    };
    warnings.push(w);
    checks.warn(`unlisted:${e.name}`, `${e.name} is listed in the manifest`, w);
  }
  const versions = Object.fromEntries(
    VERSION_COMPONENTS.map((c) => [c.versionKey, (manifest.entries.get(c.id) as ManifestEntry).version]),
  ) as Versions;
  const inspection: Inspection = {
    file: bundle.fileName,
    size: bundle.size,
    sha256: await bundle.sha256,
    layout: 'reference',
    updated: manifest.updated,
    versions,
    components,
    entries: bundle.entries,
    warnings,
    checks: checks.list,
  };
  return { bundle: infoOf(bundle, inspection.sha256), inspection, contents };
}

function infoOf(bundle: OpeningBundle, sha256: string): CheckedBundle['bundle'] {
  return { fileName: bundle.fileName, size: bundle.size, sha256, entries: bundle.entries };
}

/** checkBundle, returning only the inspection model (and keeping no content on the way, unless asked to). */
export async function inspectBundle(input: BundleInput | OpenedBundle, opts: CheckOptions = {}): Promise<Inspection> {
  return (await checkBundle(input, { contents: false, ...opts })).inspection;
}
