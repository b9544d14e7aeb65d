/**
 * Apply a bundle to a node store (interfaces.md "Apply semantics"; seed: ISE's offline update).
 * The bundle is re-checked here whatever the sender did; per component newer → applied, same →
 * skipped, older → the whole apply refused (DOWNGRADE_REFUSED) unless allowDowngrade. Default
 * policies/requirements/remediations are created at the first successful apply only.
 * A bundle applied from the store's inbox/ is removed from there once applied (see `removeApplied`).
 * On a node with trusted signers the bundle's custody (a signed transfer manifest) is checked first,
 * before the bundle is parsed at all (custody.ts).
 * A bundle in an unknown layout (bundle-format.md: no posture-update.xml, e.g. Cisco's own) passes every
 * container check here too and is then *staged* — kept as a verified opaque file for the hand-off to ISE
 * (staged.ts), never applied: its versions cannot be read or compared. Every reference-layout bundle applied is
 * kept the same way, so the node holds the very file to give ISE (`outcome`: applied | skipped | staged).
 */
import { rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { checkIsolated, compareVersions, type CheckedBundle, type Progress } from '../bundle/index.js';
import { COMPONENT_IDS, type ComponentId, type Versions } from '../bundle/types.js';
import { CoreError, toCoreError } from '../errors.js';
import { isRefusal } from '../error-catalogue.js';
import { isPermissionError, permissionDenied } from '../file-errors.js';
import type { AppliedComponent, ApplyResult, SkippedComponent, StagedBundle } from './types.js';
import { newId, storePaths, STORE_FORMAT } from './paths.js';
import {
  cleanLeftovers,
  readCurrent,
  sha256File,
  VERSION_KEY,
  type InstalledComponent,
  type InstalledPolicy,
  type StoreState,
} from './store.js';
import { commitState, pruneStates, type ComponentSource } from './commit.js';
import { keptAfterApply } from './states.js';
import { acceptCustody, checkCustody, type CustodyCheck } from './custody.js';
import { withApplyLock } from './lock.js';
import { appendHistory } from './history.js';
import { iseTime, writeLog, DOWNLOAD_MANAGER, UPDATE_MANAGER, type LogLine } from './log.js';
import { statusFor } from './status.js';
import { keepForHandoff, listStaged } from './staged.js';

export interface ApplyOptions {
  dryRun?: boolean;
  allowDowngrade?: boolean;
  /** token name or SSH user, for history and the log's `-::who::-` */
  who?: string;
  /** log4j thread name (the API passes admin-http-poolN) */
  thread?: string;
  /** check progress (the CLI's progress bar) */
  onProgress?: (p: Progress) => void;
  /** a custody document or `.transfer.json` for this bundle (`agent apply --custody`); else looked up (custody.ts) */
  custody?: string;
  /** accept a signed manifest older than the newest one accepted (`--allow-replay`) */
  allowReplay?: boolean;
}

/** The SSH user when run over SSH (the SFTP path), else the OS user. */
export function defaultWho(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SSH_CONNECTION) {
    const user = env.USER ?? env.LOGNAME;
    if (user) return user;
  }
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? 'unknown';
  }
}

const INBOX_NAME = /^(?!\.\.?$)[^/\\\0]{1,255}$/;

/** A path, or a bare name looked up in the store's inbox/ (the SFTP arrival folder). */
async function resolveBundleFile(store: string, fileOrName: string): Promise<string> {
  const candidates =
    isAbsolute(fileOrName) || fileOrName.includes('/')
      ? [resolve(fileOrName)]
      : [join(storePaths(store).inbox, fileOrName), resolve(fileOrName)];
  if (!isAbsolute(fileOrName) && !fileOrName.includes('/') && !INBOX_NAME.test(fileOrName)) {
    throw new CoreError('USAGE', `"${fileOrName}" is not a valid file name in the inbox.`, { file: fileOrName });
  }
  for (const c of candidates) {
    const st = await stat(c).catch((e: unknown) => {
      if (isPermissionError(e)) throw permissionDenied(c, 'The bundle', 'read', e);
      return null;
    });
    if (st?.isFile()) return c;
  }
  throw new CoreError(
    'NOT_FOUND',
    `Bundle ${fileOrName} was not found (looked in ${candidates.join(' and ')}). Upload it to the store's inbox/ or give its full path.`,
    { file: fileOrName },
  );
}

interface Plan {
  checked: CheckedBundle;
  state: StoreState;
  pointerState: string;
  /** rollback targets once this plan is committed */
  kept: string[];
  applied: AppliedComponent[];
  skipped: SkippedComponent[];
  createdDefaults: InstalledPolicy[];
}

/**
 * The full check, whatever the sender did (interfaces.md `push`): container faults are refusals in every layout.
 * It runs in a worker under a time budget so the agent keeps answering while it checks (issue 8 §2).
 */
async function checkFile(file: string, opts: ApplyOptions, custody: CustodyCheck | null): Promise<CheckedBundle> {
  const checked = await checkIsolated(file, { fileName: basename(file), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  if (custody && checked.bundle.sha256 !== custody.sha256)
    throw new CoreError(
      'SIGNATURE_INVALID',
      `The bundle file changed after its custody was verified (SHA-256 ${custody.sha256}, now ${checked.bundle.sha256}); nothing was applied. Upload it again and do not write to it while it is applied.`,
      { expected: custody.sha256, got: checked.bundle.sha256 },
    );
  return checked;
}

/** Per component newer/same/older against the live state (reference layout only). */
async function plan(store: string, checked: CheckedBundle, opts: ApplyOptions): Promise<Plan> {
  const { state, pointer, info } = await readCurrent(store);
  const applied: AppliedComponent[] = [];
  const skipped: SkippedComponent[] = [];
  const downgrades: Array<{ component: ComponentId; installed: string; bundle: string }> = [];
  for (const id of COMPONENT_IDS) {
    const comp = checked.inspection.components.find((c) => c.id === id);
    if (!comp) throw new CoreError('COMPONENT_MISSING', `The bundle has no ${id} component.`, { component: id });
    const installed = state.components[id]?.version ?? state.versions[VERSION_KEY[id]];
    const cmp = compareVersions(comp.version, installed);
    if (cmp > 0) applied.push({ component: id, from: installed, to: comp.version });
    else if (cmp === 0) skipped.push({ component: id, version: comp.version, reason: 'same-version' });
    else {
      downgrades.push({ component: id, installed, bundle: comp.version });
      applied.push({ component: id, from: installed, to: comp.version });
    }
  }
  if (downgrades.length > 0 && !opts.allowDowngrade) {
    const list = downgrades.map((d) => `${d.component} ${d.installed} → ${d.bundle}`).join(', ');
    throw new CoreError(
      'DOWNGRADE_REFUSED',
      `The bundle is older than what the node holds (${list}); nothing was applied. Use a newer bundle, or pass --allow-downgrade if you really mean to go back.`,
      { components: downgrades },
    );
  }
  const createdDefaults: InstalledPolicy[] = [];
  const conditions = checked.contents.get('conditions')?.conditions;
  if (!state.defaultPoliciesCreated && applied.some((a) => a.component === 'conditions') && conditions) {
    const createdAt = new Date().toISOString();
    for (const name of conditions.defaultPolicies) createdDefaults.push({ name, kind: 'policy', createdAt });
    for (const name of conditions.defaultRequirements) createdDefaults.push({ name, kind: 'requirement', createdAt });
    for (const name of conditions.defaultRemediations) createdDefaults.push({ name, kind: 'remediation', createdAt });
  }
  return {
    checked,
    state,
    pointerState: pointer.state,
    kept: keptAfterApply(pointer.state, pointer.kept, info),
    applied,
    skipped,
    createdDefaults,
  };
}

function payloadName(id: ComponentId, file: string): string {
  const name = basename(file);
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name) && name !== 'state.json' && !name.endsWith('.content.json')
    ? name
    : `${id}.payload`;
}

/**
 * Installed payloads of skipped (same-version) components that no longer match their recorded checksum
 * (disk damage, tampering): they are re-written from the verified bundle instead of carried over.
 */
async function damagedSkipped(store: string, p: Plan): Promise<ComponentId[]> {
  const damaged: ComponentId[] = [];
  for (const s of p.skipped) {
    const installed = p.state.components[s.component];
    if (!installed) continue;
    const actual = await sha256File(join(storePaths(store).state(p.state.id), installed.file)).catch(() => null);
    if (actual !== installed.sha256) damaged.push(s.component);
  }
  return damaged;
}

/**
 * Once a bundle that arrived in inbox/ (SFTP upload, `PUT /api/v1/inbox/:name`) is applied, its payloads
 * live in the new state and its SHA-256 in history, so it is removed: otherwise every update would stay
 * in inbox/ for good. Refused and dry-run bundles stay (for the admin to look at, and for the apply that
 * follows a dry run); files outside inbox/ are never touched. Only the very file that was checked goes
 * (same inode): one re-uploaded under the same name meanwhile stays for its own apply.
 */
async function removeApplied(store: string, file: string, checked: { dev: number; ino: number }): Promise<void> {
  if (dirname(file) !== storePaths(store).inbox) return;
  const now = await stat(file).catch(() => null);
  if (now?.dev === checked.dev && now.ino === checked.ino) await rm(file, { force: true }).catch(() => undefined);
}

async function commit(
  store: string,
  p: Plan,
  at: Date,
  repair: ComponentId[],
  onFile: (id: ComponentId, path: string) => void,
): Promise<StoreState> {
  const { checked, state } = p;
  const components: Partial<Record<ComponentId, InstalledComponent>> = {};
  const sources = new Map<ComponentId, ComponentSource>();
  const versions: Versions = { ...state.versions };
  const appliedIds = new Set(p.applied.map((a) => a.component));
  const fromBundle = new Set([...appliedIds, ...repair]);
  for (const id of COMPONENT_IDS) {
    if (fromBundle.has(id)) {
      const comp = checked.inspection.components.find((c) => c.id === id)!;
      const content = checked.contents.get(id);
      if (!content) throw new CoreError('INTERNAL', `The checked bundle carries no content model for ${id}.`);
      const bytes = await checked.bundle.read(comp.file);
      components[id] = { id, file: payloadName(id, comp.file), version: comp.version, sha256: comp.sha256, size: comp.size };
      sources.set(id, { kind: 'bytes', bytes, content });
      versions[VERSION_KEY[id]] = comp.version;
    } else if (state.components[id]) {
      components[id] = state.components[id];
      sources.set(id, { kind: 'state', stateId: state.id });
    }
  }
  const next: StoreState = {
    format: STORE_FORMAT,
    id: newId(),
    createdAt: at.toISOString(),
    lastSuccessfulUpdate: iseTime(at),
    lastUpdateStatus: `Last update attempt at ${iseTime(at)} was successful`,
    updateMode: 'Offline',
    versions,
    components,
    defaultPoliciesCreated: state.defaultPoliciesCreated || p.createdDefaults.length > 0 || appliedIds.has('conditions'),
    defaultPolicies: [...state.defaultPolicies, ...p.createdDefaults],
    bundleSha256: checked.bundle.sha256,
    origin: 'apply',
  };
  await commitState(store, next, sources, p.kept, onFile);
  await pruneStates(store, [next.id, ...p.kept]);
  return next;
}

const outcomeOf = (p: Plan) => (p.applied.length > 0 ? ('applied' as const) : ('skipped' as const));
const signerOf = (c: CustodyCheck | null): Pick<StagedBundle, 'signer'> =>
  c ? { signer: { name: c.record.signer, fingerprint: c.record.fingerprint, signedAt: c.record.signedAt } } : {};

interface StageContext {
  who: string;
  line: (level: LogLine['level'], message: string, logger?: string) => LogLine;
  custody: CustodyCheck | null;
  arrived: { dev: number; ino: number };
  at: Date;
}

/**
 * An unknown-layout bundle that passed every container check: kept as a verified opaque file for the hand-off
 * to ISE, never applied (the state does not change). History and ise-psc.log say "staged".
 */
async function stage(store: string, file: string, checked: CheckedBundle, ctx: StageContext): Promise<ApplyResult> {
  const { sha256, size } = checked.bundle;
  const before = await listStaged(store);
  const { staged, already } = await keepForHandoff(store, file, {
    sha256,
    size,
    layout: 'unknown',
    by: ctx.who,
    file: basename(file),
    outcome: 'staged',
    ...signerOf(ctx.custody),
    stagedAt: ctx.at.toISOString(),
  });
  const others = before.filter((s) => s.sha256 !== sha256).length;
  await writeLog(store, [
    ...(ctx.custody
      ? [
          ctx.line(
            'INFO',
            `Transfer manifest signed by ${ctx.custody.record.signer} (${ctx.custody.record.fingerprint}) at ${ctx.custody.record.signedAt} verified`,
            UPDATE_MANAGER,
          ),
        ]
      : []),
    ctx.line(
      'INFO',
      `Offline posture update file ${basename(file)} (SHA-256 ${sha256}, ${size} bytes): layout not recognised, versions cannot be compared; container checks passed`,
      UPDATE_MANAGER,
    ),
    ctx.line(
      'INFO',
      already
        ? `Bundle ${sha256} is already staged (since ${staged.stagedAt}); staged again, nothing changed`
        : `Staged bundle ${sha256} for upload to ISE as staged/${sha256}.zip; not applied${others > 0 ? `; ${others} other staged bundle(s) kept` : ''}`,
      UPDATE_MANAGER,
    ),
  ]);
  await appendHistory(store, {
    at: ctx.at.toISOString(),
    sha256,
    mode: 'stage',
    applied: [],
    skipped: [],
    result: 'success',
    who: ctx.who,
    file: basename(file),
    layout: 'unknown',
    already,
    ...(ctx.custody ? { custody: ctx.custody.record } : {}),
  });
  if (ctx.custody) await acceptCustody(store, ctx.custody);
  await removeApplied(store, file, ctx.arrived);
  const { state, info } = await readCurrent(store);
  return {
    sha256,
    outcome: 'staged',
    applied: [],
    skipped: [],
    status: await statusFor(store, state, info.name, { updating: false }),
    staged: { ...staged, already },
  };
}

/**
 * After a successful apply: keep the bundle for the hand-off to ISE (staged.ts). The state has already switched,
 * so a failure here is logged as a warning and never turns the apply into a failure.
 */
async function keepApplied(store: string, file: string, p: Plan, ctx: StageContext): Promise<(StagedBundle & { already: boolean }) | null> {
  const { sha256, size } = p.checked.bundle;
  try {
    const { staged, already } = await keepForHandoff(store, file, {
      sha256,
      size,
      layout: 'reference',
      by: ctx.who,
      file: basename(file),
      outcome: outcomeOf(p),
      ...(p.checked.inspection.versions ? { versions: p.checked.inspection.versions } : {}),
      ...signerOf(ctx.custody),
      stagedAt: ctx.at.toISOString(),
    });
    if (!already)
      await writeLog(store, [ctx.line('INFO', `Kept bundle ${sha256} for the hand-off to ISE as staged/${sha256}.zip`, UPDATE_MANAGER)]);
    return { ...staged, already };
  } catch (e) {
    const err = toCoreError(e);
    await writeLog(store, [
      ctx.line(
        'WARN',
        `Could not keep bundle ${sha256} for the hand-off to ISE (${err.code}: ${err.message}); it was applied`,
        UPDATE_MANAGER,
      ),
    ]).catch(() => undefined);
    return null;
  }
}

const custodyOpts = (o: ApplyOptions) => ({
  ...(o.custody ? { custody: o.custody } : {}),
  ...(o.allowReplay ? { allowReplay: true } : {}),
});

/** Applies (or with dryRun, only plans) a bundle; throws the refusal as a CoreError, leaving the state untouched. */
export async function applyBundle(storeDir: string, fileOrName: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const store = resolve(storeDir);
  const who = opts.who ?? defaultWho();
  const thread = opts.thread ?? 'agent-cli';
  const file = await resolveBundleFile(store, fileOrName);
  if (opts.dryRun) {
    // dry run: every check, nothing written — no lock file, no history, no log line
    const { state, info } = await readCurrent(store);
    const custody = await checkCustody(store, file, custodyOpts(opts));
    const checked = await checkFile(file, opts, custody);
    if (checked.inspection.layout === 'unknown')
      return {
        sha256: checked.bundle.sha256,
        outcome: 'staged',
        applied: [],
        skipped: [],
        status: await statusFor(store, state, info.name),
        dryRun: true,
      };
    const p = await plan(store, checked, opts);
    const createdDefaults = p.createdDefaults.map((d) => d.name);
    return {
      sha256: p.checked.bundle.sha256,
      outcome: outcomeOf(p),
      applied: p.applied,
      skipped: p.skipped,
      status: await statusFor(store, p.state, info.name),
      dryRun: true,
      createdDefaults,
    };
  }
  const line = (level: LogLine['level'], message: string, logger = DOWNLOAD_MANAGER): LogLine => ({ level, thread, who, message, logger });
  return withApplyLock(store, `apply ${basename(file)}`, async () => {
    await cleanLeftovers(store);
    const at = new Date();
    // "Starting opswat download" is ISE's word for an update it runs: written once the bundle is known to be one
    // (reference layout), or before the refusal of one that is not a bundle at all; never for a staged file
    let started = false;
    let staging = false;
    const start = async () => {
      started = true;
      await writeLog(store, [
        line('INFO', 'Starting opswat download'),
        line('INFO', `Offline posture update from file ${basename(file)}`, UPDATE_MANAGER),
      ]);
    };
    let p: Plan | null = null;
    let custody: CustodyCheck | null = null;
    try {
      const arrived = await stat(file);
      custody = await checkCustody(store, file, custodyOpts(opts));
      const checked = await checkFile(file, opts, custody);
      if (checked.inspection.layout === 'unknown') {
        staging = true;
        return await stage(store, file, checked, { who, line, custody, arrived, at });
      }
      await start();
      p = await plan(store, checked, opts);
      const uris: LogLine[] = [];
      const repair = await damagedSkipped(store, p);
      const next =
        p.applied.length > 0 || repair.length > 0
          ? await commit(store, p, at, repair, (_id, path) => uris.push(line('INFO', `Offline download file URI :${path}`)))
          : p.state;
      const info = [
        ...(custody
          ? [
              line(
                'INFO',
                `Transfer manifest signed by ${custody.record.signer} (${custody.record.fingerprint}) at ${custody.record.signedAt} verified`,
                UPDATE_MANAGER,
              ),
            ]
          : []),
        ...repair.map((id) =>
          line(
            'WARN',
            `Installed ${id} payload did not match its recorded SHA-256; re-installed it from the verified bundle`,
            UPDATE_MANAGER,
          ),
        ),
        ...uris,
        ...p.applied.map((a) => line('INFO', `Updated ${a.component} from version ${a.from} to ${a.to}`, UPDATE_MANAGER)),
        ...p.skipped.map((s) => line('INFO', `Skipped ${s.component}: version ${s.version} is already installed`, UPDATE_MANAGER)),
        ...(p.createdDefaults.length > 0
          ? [
              line(
                'INFO',
                `Created default posture policies, requirements and remediations: ${p.createdDefaults.map((d) => d.name).join(', ')}`,
                UPDATE_MANAGER,
              ),
            ]
          : []),
        line('INFO', 'Completed opswat download'),
      ];
      await writeLog(store, info);
      const kept = await keepApplied(store, file, p, { who, line, custody, arrived, at });
      const createdDefaults = p.createdDefaults.map((d) => d.name);
      await appendHistory(store, {
        at: at.toISOString(),
        sha256: p.checked.bundle.sha256,
        mode: 'apply',
        applied: p.applied,
        skipped: p.skipped,
        result: 'success',
        who,
        file: basename(file),
        createdDefaults,
        ...(custody ? { custody: custody.record } : {}),
      });
      if (custody) await acceptCustody(store, custody);
      await removeApplied(store, file, arrived);
      const { info: agent } = await readCurrent(store);
      return {
        sha256: p.checked.bundle.sha256,
        outcome: outcomeOf(p),
        applied: p.applied,
        skipped: p.skipped,
        status: await statusFor(store, next, agent.name, { updating: false }),
        createdDefaults,
        ...(kept ? { staged: kept } : {}),
      };
    } catch (e) {
      const err = toCoreError(e);
      const sha256 = p?.checked.bundle.sha256 ?? (await sha256File(file).catch(() => ''));
      if (!started && !staging) await start().catch(() => undefined);
      await writeLog(
        store,
        staging
          ? [line('ERROR', `Staging the offline posture update file failed: ${err.code}: ${err.message}`, UPDATE_MANAGER)]
          : [
              line('ERROR', `Offline posture update failed: ${err.code}: ${err.message}`),
              line('ERROR', 'Posture update was not applied; the installed posture content is unchanged'),
            ],
      ).catch(() => undefined);
      await appendHistory(store, {
        at: at.toISOString(),
        sha256,
        mode: staging ? 'stage' : 'apply',
        applied: [],
        skipped: [],
        result: isRefusal(err.code) ? 'refused' : 'failed',
        error: { code: err.code, message: err.message },
        who,
        file: basename(file),
        ...(custody ? { custody: custody.record } : {}),
      }).catch(() => undefined);
      throw err;
    }
  });
}
