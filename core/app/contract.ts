/**
 * The one contract between the UI and the core (STYLE.md model 1, GitButler's ipc.ts + lite-api.ts).
 * Every method takes zero or one argument object, parsed here with zod on the trusted side because
 * the renderer is untrusted (STYLE.md model 2). The Electron preload and the `posture-stage ui` HTTP
 * host expose exactly these methods; the renderer only `import type`s this module.
 * Errors cross as `{code, message, details}` (core/errors.ts ErrorJSON), serialised by us.
 */
import { z } from 'zod';
import { CoreError, type ErrorJSON } from '../errors.js';
import type { BundleDiff, ConditionsIndex, Inspection, Versions } from '../bundle/types.js';
import type { ApplyOutcome, ApplyResult, HistoryEntry, NodeStatus, StagedBundle } from '../agent/types.js';
import type { ConfirmReport, HandoffDocument } from '../ise/types.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex');
const id = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/);
const text = (max = 4096) => z.string().max(max);
const none = z.tuple([]);
const one = <T extends z.ZodType>(schema: T) => z.tuple([schema]);

/** SHA256:<base64> as OpenSSH and the agent print it. */
const fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'a fingerprint like SHA256:…');

/** The ISE deployment a target serves: its PAN's host name (optional; shown on the hand-off page and in reports). */
const deployment = z
  .string()
  .max(253)
  .regex(/^$|^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, "the PAN's host name (letters, digits, dots and dashes)")
  .optional();

const httpsTarget = z.object({
  kind: z.literal('https'),
  name: text(100).min(1),
  deployment,
  url: z.url({ protocol: /^https$/ }),
  fingerprint,
  token: text(1000).min(1),
});
const sftpTarget = z.object({
  kind: z.literal('sftp'),
  name: text(100).min(1),
  deployment,
  host: text(255).min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: text(100).min(1),
  storePath: text(1000).min(1),
  hostKey: fingerprint,
  privateKey: text(20_000).optional(),
  /** the private key's passphrase, sealed with the key */
  passphrase: text(1000).optional(),
  password: text(1000).optional(),
  remoteCommand: text(1000).optional(),
});

/** Argument schemas, one per method. */
const schemas = {
  appInfo: none,
  listLibrary: none,
  importBundle: one(z.object({ name: text(255).min(1), dataBase64: z.string().max(1.4 * 1024 ** 3) })),
  exportBundle: one(z.object({ sha256, dir: text().min(1), keyFile: text().min(1), passphrase: text(1000).optional() })),
  importFromMedia: one(z.object({ dir: text().min(1), trustedKeyFile: text().min(1) })),
  chooseDirectory: none,
  inspectBundle: one(z.object({ sha256 })),
  startFetch: one(z.object({ url: z.url({ protocol: /^https?$/ }).optional() })),
  getJob: one(z.object({ jobId: id })),
  cancelJob: one(z.object({ jobId: id })),
  listTargets: none,
  probeTarget: one(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('https'), url: z.url({ protocol: /^https$/ }) }),
      z.object({ kind: z.literal('sftp'), host: text(255).min(1), port: z.number().int().min(1).max(65535) }),
    ]),
  ),
  saveTarget: one(z.discriminatedUnion('kind', [httpsTarget, sftpTarget])),
  removeTarget: one(z.object({ id })),
  testTarget: one(z.object({ id })),
  nodeStatus: one(z.object({ id })),
  previewApply: one(z.object({ sha256, targetIds: z.array(id).min(1).max(50) })),
  startPush: one(
    z.object({
      sha256,
      targetIds: z.array(id).min(1).max(50),
      dryRun: z.boolean().default(false),
      allowDowngrade: z.boolean().default(false),
    }),
  ),
  handoffView: one(z.object({ sha256, targetId: id.optional() })),
  saveHandoff: one(z.object({ sha256, dir: text().min(1), targetId: id.optional() })),
  handoffPage: one(z.object({ sha256, targetId: id.optional() })),
  confirmIse: one(
    z.object({
      sha256,
      /** ISE's Update Information as pasted (core/ise/status.ts MAX_STATUS_BYTES) */
      status: z
        .string()
        .min(1)
        .max(1024 * 1024),
      /** ise-psc.log as downloaded from the PAN (streamed through the parser on the trusted side) */
      log: z.object({ name: text(255).min(1), dataBase64: z.string().max(700 * 1024 ** 2) }).optional(),
      targetId: id.optional(),
    }),
  ),
  listActivity: none,
  activityReport: one(z.object({ format: z.enum(['csv', 'html']) })),
  startLab: none,
  getSettings: none,
  saveSettings: one(
    z.object({
      feedUrl: z.url({ protocol: /^https?$/ }),
      proxy: z.object({
        host: text(255),
        port: z.number().int().min(0).max(65535),
        username: text(255),
        password: text(1000).optional(),
        bypass: text(),
      }),
      extraCaPem: text(200_000),
      schedule: z.object({
        enabled: z.boolean(),
        initialDelayMinutes: z.number().int().min(0).max(10_080),
        everyHours: z.number().int().min(1).max(720),
      }),
      libraryDir: text(),
    }),
  ),
} as const;

export type Method = keyof typeof schemas;
export const METHODS = Object.keys(schemas) as Method[];

/** One row of the Library screen. */
export interface LibraryRow {
  sha256: string;
  fileName: string;
  size: number;
  layout: 'reference' | 'unknown';
  versions: Versions | null;
  /** ISO time the bundle entered the library (fetched or imported) */
  addedAt: string;
  source: string;
  verified: boolean;
  /** a newer bundle (by conditions version) is known */
  stale: boolean;
}

export interface AppInfo {
  version: string;
  home: string;
  shell: 'electron' | 'browser';
  secrets: 'safeStorage' | 'file';
  firstRun: boolean;
  defaultFeedUrl: string;
}

export interface JobStep {
  target?: string;
  step: string;
  state: 'running' | 'done' | 'failed' | 'skipped';
  message?: string;
  at: string;
}

/** Bytes moved so far: `rate` in bytes per second since the first byte, `etaSeconds` null while unknown. */
export interface Progress {
  done: number;
  total: number;
  rate: number;
  etaSeconds: number | null;
}

/**
 * A long operation: a background job (`startFetch`, `startPush`: the app picks the id) or a call the
 * caller tagged with an operation id (see CallTag: preview, test connection, contact node, import, export…).
 * Every change is pushed as an AppEvent; `cancelJob` stops either kind.
 */
export interface Job {
  id: string;
  /** 'fetch' | 'push' for jobs; the method's name for a tagged call */
  kind: 'fetch' | 'push' | Method;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** bytes of the whole operation (a push: every target's upload summed) */
  progress: Progress | null;
  /** a push's upload per target id */
  targets?: Record<string, Progress>;
  steps: JobStep[];
  /** grows with every change: of two snapshots of one job the higher is newer */
  seq: number;
  result?: unknown;
  error?: ErrorJSON;
}

/**
 * What the app pushes to the UI (Electron: webContents.send through the preload; `posture-stage ui`:
 * Server-Sent Events on /api/events), instead of the UI polling. A `job` event carries the job's whole
 * snapshot, at most a few times a second while bytes move and at once when a step or its state changes.
 */
export type AppEvent = { type: 'job'; job: Job };

export interface TargetView {
  id: string;
  kind: 'https' | 'sftp';
  name: string;
  /** https://host:port or sftp://user@host:port/store */
  address: string;
  /** pinned TLS certificate or SSH host key fingerprint */
  pinned: string;
  auth: 'token' | 'key' | 'password';
  lab: boolean;
  /** the ISE deployment it serves (its PAN's host name), when named */
  deployment?: string;
}

export interface ProbeResult {
  fingerprint: string;
  /** what was probed, in words (certificate subject, key type) */
  detail: string;
}

interface DiagnosticStep {
  step: 'dns' | 'tcp' | 'proxy' | 'tls' | 'ssh' | 'auth' | 'http';
  ok: boolean;
  message: string;
}

export interface Diagnostics {
  ok: boolean;
  steps: DiagnosticStep[];
  error?: ErrorJSON;
}

export interface TargetPreview {
  targetId: string;
  name: string;
  ok: boolean;
  current?: Versions;
  diff?: BundleDiff;
  /** a bundle whose layout is not recognised: no diff, this says what the node will do instead */
  staging?: string;
  error?: ErrorJSON;
}

export interface PushTargetResult {
  targetId: string;
  name: string;
  ok: boolean;
  /** interfaces.md push `outcome` */
  outcome: ApplyOutcome | 'refused';
  result?: ApplyResult;
  error?: ErrorJSON;
  logTail?: string[];
}

export interface NodeView {
  status: NodeStatus;
  history: HistoryEntry[];
  logTail: string[];
  /** bundles the node keeps for ISE (empty from a node that predates them) */
  staged: StagedBundle[];
}

/** The "Hand off to ISE" step: HANDOFF.txt's content for one library bundle, for the deployment of a target. */
export interface HandoffView {
  document: HandoffDocument;
  /** HANDOFF.txt as it would be written */
  text: string;
  target: string | null;
  /** when this bundle was last saved for a hand-off from this workstation (the time confirm measures the log run from) */
  handedOffAt: string | null;
}

export interface ActivityEntry {
  at: string;
  who: string;
  kind: 'fetch' | 'import' | 'export' | 'transfer' | 'apply' | 'stage' | 'dry-run' | 'target' | 'handoff' | 'confirm';
  what: string;
  target?: string;
  sha256?: string;
  result: 'success' | 'refused' | 'failed';
  code?: string;
  message?: string;
  /** lines of evidence for the change report (confirm: per component and the log run) */
  evidence?: string[];
}

export interface Settings {
  feedUrl: string;
  proxy: { host: string; port: number; username: string; hasPassword: boolean; bypass: string };
  extraCaPem: string;
  schedule: { enabled: boolean; initialDelayMinutes: number; everyHours: number };
  libraryDir: string;
}

/** Inspect's answer: the inspection, plus every condition/requirement/policy name for the searchable lists. */
type InspectView = Inspection & { conditionsIndex: ConditionsIndex | null };

/** What each method resolves to. */
export interface Results {
  appInfo: AppInfo;
  listLibrary: LibraryRow[];
  importBundle: LibraryRow;
  exportBundle: { dir: string; files: string[]; signer: string };
  importFromMedia: LibraryRow;
  chooseDirectory: string | null;
  inspectBundle: InspectView;
  startFetch: { jobId: string };
  getJob: Job;
  cancelJob: Job;
  listTargets: TargetView[];
  probeTarget: ProbeResult;
  saveTarget: TargetView;
  removeTarget: { removed: boolean };
  testTarget: Diagnostics;
  nodeStatus: NodeView;
  previewApply: TargetPreview[];
  startPush: { jobId: string };
  handoffView: HandoffView;
  saveHandoff: { dir: string; files: string[]; unchanged: string[]; sha256: string };
  handoffPage: { fileName: string; mimeType: string; content: string };
  confirmIse: ConfirmReport;
  listActivity: ActivityEntry[];
  activityReport: { fileName: string; mimeType: string; content: string };
  startLab: { targetId: string; sha256: string; previous: string | null };
  getSettings: Settings;
  saveSettings: Settings;
}

type Args<M extends Method> = z.input<(typeof schemas)[M]>;
type Parsed<M extends Method> = z.output<(typeof schemas)[M]>;

/**
 * Tags a call with an operation id the caller chose, given after the method's argument: the call's
 * progress arrives as `job` events under that id and `cancelJob({ jobId: op })` cancels it (its handler's
 * signal aborts). Any method may be tagged; the long ones report steps and honour the cancel.
 */
export interface CallTag {
  readonly op: string;
}

/** What the renderer calls (`window.api` in Electron, HTTP in the browser); a trailing CallTag makes the call an operation. */
export type Api = { [M in Method]: (...args: [...Args<M>, CallTag?]) => Promise<Results[M]> };

/** What a handler gets besides its argument: the call's cancellation and its progress reports (see jobs.ts). */
export interface CallContext {
  signal: AbortSignal;
  /** bytes done of total (optionally of one target, e.g. a push's per-target upload) */
  progress(done: number, total: number, target?: string): void;
  step(step: Omit<JobStep, 'at'>): void;
}

/** The trusted side's table: `satisfies HandlerTable` makes a missing handler a compile error. */
export type HandlerTable = { [M in Method]: (...args: [...Parsed<M>, CallContext]) => Promise<Results[M]> };

/** How every answer crosses IPC or HTTP. */
export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ErrorJSON };

/** An operation id from an untrusted caller (CallTag.op): absent, or the shape of a job id. */
export function parseOp(op: unknown): string | undefined {
  return op === undefined || op === null ? undefined : id.parse(op);
}

/** Parses a method name and its arguments from an untrusted caller; throws zod's error on bad input. */
export function parseCall(method: unknown, args: unknown): { method: Method; args: unknown[] } {
  if (typeof method !== 'string' || !Object.hasOwn(schemas, method))
    throw new CoreError(
      'USAGE',
      `Unknown method ${JSON.stringify(String(method)).slice(0, 80)}; the UI and the app are from different versions, reload the window.`,
    );
  const m = method as Method;
  return { method: m, args: schemas[m].parse(args) as unknown[] };
}
