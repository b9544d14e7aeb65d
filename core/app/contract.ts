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
  /** log in with the keys of the SSH agent (SSH_AUTH_SOCK of the app) */
  agent: z.boolean().optional(),
  remoteCommand: text(1000).optional(),
});

/**
 * An edit of a saved target (same id): every field as when adding it; a secret left out (or empty) keeps the stored
 * one. A new pin (certificate or host key) must name the pin it replaces, as the admin saw it: a re-pin is never implied.
 */
const editFields = { id, replacesPin: fingerprint.optional() };
const httpsEdit = httpsTarget.extend({ token: text(1000).optional(), ...editFields });
const sftpEdit = sftpTarget.omit({ agent: true }).extend({ auth: z.enum(['key', 'password', 'agent']), ...editFields });

/** Argument schemas, one per method. */
const schemas = {
  appInfo: none,
  listLibrary: none,
  importBundle: one(z.object({ name: text(255).min(1), dataBase64: z.string().max(1.4 * 1024 ** 3) })),
  exportBundle: one(z.object({ sha256, dir: text().min(1), keyFile: text().min(1), passphrase: text(1000).optional() })),
  importFromMedia: one(z.object({ dir: text().min(1), trustedKeyFile: text().min(1) })),
  chooseDirectory: none,
  /** a native file picker (desktop app); null in a browser, where paths are typed */
  chooseFile: one(z.object({ purpose: z.enum(['signing-key', 'trusted-key']) })),
  /** picks an SSH private key with the native file picker and reads it on the trusted side (desktop app); null when cancelled */
  chooseKeyFile: none,
  removeBundle: one(z.object({ sha256 })),
  /** a counter that moves whenever the library folder changes on disk (another window, `library add` in a terminal) */
  libraryChanges: none,
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
  updateTarget: one(z.discriminatedUnion('kind', [httpsEdit, sftpEdit])),
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
  kitInfo: none,
  /** "Prepare a node…": writes the node kit to a folder (removable media), as a job with progress */
  startKit: one(
    z.object({
      out: text().min(1),
      keyFile: text().min(1).optional(),
      passphrase: text(1000).optional(),
      /** a kit folder to copy from (e.g. one received on media); default: the kit of this installation */
      from: text().min(1).optional(),
    }),
  ),
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
  /** false once the copy's bytes no longer match its SHA-256 (found when it changed on disk or was used) */
  verified: boolean;
  /** with verified false: the SHA-256 the copy has now ("missing" when it is gone) */
  damaged?: { actual: string };
  /** a newer bundle (by conditions version) is known */
  stale: boolean;
}

/** An import's answer: the row, and `alreadyAs` (its name in the library) when the bundle was already there. */
export type ImportedRow = LibraryRow & { alreadyAs?: string };

export interface AppInfo {
  version: string;
  home: string;
  shell: 'electron' | 'browser';
  secrets: 'safeStorage' | 'file';
  firstRun: boolean;
  defaultFeedUrl: string;
  /** an SSH agent is reachable (SSH_AUTH_SOCK), so SFTP targets may log in with its keys */
  sshAgent: boolean;
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
  /** 'fetch' | 'push' | 'kit' for jobs; the method's name for a tagged call */
  kind: 'fetch' | 'push' | 'kit' | Method;
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
  auth: 'token' | 'key' | 'password' | 'agent';
  lab: boolean;
  /** the ISE deployment it serves (its PAN's host name), when named */
  deployment?: string;
  /** the non-secret fields, for editing */
  settings:
    | { kind: 'https'; url: string }
    | { kind: 'sftp'; host: string; port: number; user: string; storePath: string; remoteCommand: string; hasPassphrase: boolean };
  /** the agent version the node reported when last asked (null: an agent too old to report it), against this app's */
  seen?: { agentVersion: string | null; at: string; vsApp: 'older' | 'same' | 'newer' | 'unknown' };
}

/** The node kit this app prepares nodes with ("Prepare a node…"), and the version nodes are compared with. */
export interface KitInfo {
  /** this app's version: the agent version a current node runs */
  appVersion: string;
  /** the kit found for this installation (its kit.json), or null with the reason */
  kit: { version: string; dir: string; builtAt: string; files: Array<{ file: string; size: number }> } | null;
  /** why no kit was found, in words (what "Prepare a node…" will do instead) */
  note?: string;
}

/** "Prepare a node…"'s job result: the files written, INSTALL.txt's steps. */
export interface KitWritten {
  out: string;
  version: string;
  files: Array<{ file: string; size: number; sha256: string }>;
  signer: { fingerprint: string; namespace: string } | null;
  install: string;
}

export interface ProbeResult {
  fingerprint: string;
  /** what was probed, in words (certificate subject, key type) */
  detail: string;
}

interface DiagnosticStep {
  step: 'dns' | 'tcp' | 'proxy' | 'tls' | 'ssh' | 'auth' | 'http' | 'command' | 'store';
  ok: boolean;
  message: string;
}

export interface Diagnostics {
  ok: boolean;
  steps: DiagnosticStep[];
  error?: ErrorJSON;
  /** the agent's version as the node reported it (null: an agent too old to report it) */
  agentVersion?: string | null;
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
  kind: 'fetch' | 'import' | 'export' | 'delete' | 'transfer' | 'apply' | 'stage' | 'dry-run' | 'target' | 'kit' | 'handoff' | 'confirm';
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
  importBundle: ImportedRow;
  exportBundle: { dir: string; files: string[]; signer: string };
  importFromMedia: ImportedRow;
  chooseDirectory: string | null;
  chooseFile: string | null;
  chooseKeyFile: { fileName: string; privateKey: string } | null;
  removeBundle: { sha256: string; fileName: string };
  libraryChanges: { version: number };
  inspectBundle: InspectView;
  startFetch: { jobId: string };
  getJob: Job;
  cancelJob: Job;
  listTargets: TargetView[];
  probeTarget: ProbeResult;
  saveTarget: TargetView;
  updateTarget: TargetView;
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
  kitInfo: KitInfo;
  startKit: { jobId: string };
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
