/**
 * The node store: init, read the current state, clean leftovers of a killed apply.
 * Layout in ./paths.ts. A state is an immutable directory; CURRENT names the live one and the ones kept
 * for rollback (states.ts), and is only ever replaced by an atomic rename.
 */
import { mkdir, readFile, readdir, rm, stat, chmod } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { ComponentContent, ComponentId, NodeContentState, Versions } from '../bundle/types.js';
import { VERSION_KEYS } from '../bundle/components.js';
import { COMPONENT_IDS, ZERO_VERSION } from '../bundle/types.js';
import { CoreError } from '../errors.js';
import { isPermissionError } from '../file-errors.js';
import { hashFile } from '../hash.js';
import { certFingerprint } from '../net/trust.js';
import { STORE_FORMAT, storePaths, UPLOAD_PREFIX } from './paths.js';
import { fsyncDir, writeFileAtomic, writeFileSynced } from '../durable.js';
import { generateTls } from './tls.js';
import { readAgentInfo, readStoreJson } from './agent-info.js';
import { newToken, writeInitialTokens } from './tokens.js';
import { addSigners, listSigners, readSignerFiles, writeInitialSigners, type TrustedSigner } from './signers.js';
import { checkKeepStates, DEFAULT_KEEP_STATES, keepStatesOf, pointerFor, type AgentInfo, type CurrentPointer } from './states.js';
import { sha256Hex } from './schemas.js';
import { componentContentSchema, versionsSchema } from '../bundle/schemas.js';
import { cleanStagedLeftovers } from './staged.js';

/** One installed payload of a state. */
export interface InstalledComponent {
  id: ComponentId;
  /** file name inside the state directory */
  file: string;
  version: string;
  sha256: string;
  size: number;
}

/** A default policy, requirement or remediation created by the first successful apply. */
export interface InstalledPolicy {
  name: string;
  kind: 'policy' | 'requirement' | 'remediation';
  createdAt: string;
}

/** states/<id>/state.json */
export interface StoreState {
  format: number;
  id: string;
  createdAt: string;
  /** ISE's "YYYY/MM/DD HH:MM:SS", null before any update */
  lastSuccessfulUpdate: string | null;
  /** ISE's words for the update that produced this state */
  lastUpdateStatus: string | null;
  updateMode: 'Offline';
  versions: Versions;
  components: Partial<Record<ComponentId, InstalledComponent>>;
  defaultPoliciesCreated: boolean;
  defaultPolicies: InstalledPolicy[];
  /** sha256 of the bundle that produced this state */
  bundleSha256: string | null;
  /** what produced it: init · apply · policy-delete */
  origin: 'init' | 'apply' | 'policy-delete' | 'rollback';
}

const STATE_ID = /^[0-9a-z-]{1,64}$/;
const stateId = z.string().regex(STATE_ID, 'a state id');

const pointerSchema = z.object({
  state: stateId,
  previous: stateId.nullable().default(null),
  kept: z.array(stateId).optional(),
}) satisfies z.ZodType<CurrentPointer>;

const stateSchema = z.object({
  format: z.literal(STORE_FORMAT),
  id: stateId,
  createdAt: z.string(),
  lastSuccessfulUpdate: z.string().nullable(),
  lastUpdateStatus: z.string().nullable(),
  updateMode: z.literal('Offline'),
  versions: versionsSchema,
  components: z.partialRecord(
    z.enum(COMPONENT_IDS),
    z.object({ id: z.enum(COMPONENT_IDS), file: z.string(), version: z.string(), sha256: sha256Hex, size: z.number().int().nonnegative() }),
  ),
  defaultPoliciesCreated: z.boolean(),
  defaultPolicies: z.array(z.object({ name: z.string(), kind: z.enum(['policy', 'requirement', 'remediation']), createdAt: z.string() })),
  bundleSha256: sha256Hex.nullable(),
  origin: z.enum(['init', 'apply', 'policy-delete', 'rollback']),
}) satisfies z.ZodType<StoreState>;

/** Which of the five Update Information versions a component drives (the component registry's). */
export { VERSION_KEY } from '../bundle/components.js';

const ZERO_VERSIONS: Versions = Object.fromEntries(VERSION_KEYS.map((k) => [k, ZERO_VERSION])) as Versions;

/** The live state and the pointer that names it; STORE_CORRUPT if either cannot be read. */
export async function readCurrent(
  store: string,
): Promise<{ pointer: CurrentPointer & { kept: string[] }; state: StoreState; info: AgentInfo }> {
  const info = await readAgentInfo(store);
  const pointer = await readStoreJson(store, storePaths(store).current, pointerSchema, 'CURRENT');
  const kept = pointer.kept ?? (pointer.previous ? [pointer.previous] : []);
  return { pointer: { state: pointer.state, previous: kept[0] ?? null, kept }, state: await readState(store, pointer.state), info };
}

/** Reads states/<id>/state.json. */
export async function readState(store: string, id: string): Promise<StoreState> {
  return readStoreJson(store, join(storePaths(store).state(id), 'state.json'), stateSchema, `state ${id}`);
}

/** sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  return (await hashFile(file)).sha256;
}

/** What `agent init` answers (interfaces.md: `{"ok":true,"store","fingerprint","tokenFile"}`, plus ours). */
export interface InitResult {
  store: string;
  fingerprint: string;
  tokenFile: string;
  created: boolean;
  keepStates: number;
  signers: TrustedSigner[];
}

/**
 * Creates a node store: layout, empty initial state, TLS key/cert and the API token named "admin" (0600).
 * On a complete store it changes nothing but what is asked: `keepStates`, and `trustedSigners` added.
 */
export async function initStore(
  dir: string,
  opts: { name?: string; keepStates?: number; trustedSigners?: string[] } = {},
): Promise<InitResult> {
  const store = resolve(dir);
  const p = storePaths(store);
  if (opts.keepStates !== undefined) checkKeepStates(opts.keepStates);
  // keys are read and checked before anything is created or changed
  const signerKeys = await readSignerFiles(opts.trustedSigners ?? []);
  const existing = await stat(p.agentFile).then(
    () => true,
    () => false,
  );
  if (existing) {
    const { info } = await readCurrent(store);
    if (opts.keepStates !== undefined && opts.keepStates !== info.keepStates)
      await writeFileAtomic(p.agentFile, JSON.stringify({ ...info, keepStates: opts.keepStates } satisfies AgentInfo, null, 2));
    if (signerKeys.length > 0) await addSigners(store, signerKeys);
    return {
      store,
      fingerprint: certFingerprint(new X509Certificate(await readFile(p.cert, 'utf8'))),
      tokenFile: p.token,
      created: false,
      keepStates: opts.keepStates ?? keepStatesOf(info),
      signers: await listSigners(store),
    };
  }
  await mkdir(store, { recursive: true });
  const leftovers = (await readdir(store)).filter((n) => !n.startsWith('.'));
  if (leftovers.length > 0) {
    throw new CoreError(
      'USAGE',
      `${store} is not empty and is not a node store. Choose an empty or new directory for \`agent init --store\`.`,
      { store, entries: leftovers.slice(0, 10) },
    );
  }
  const name = opts.name ?? hostname();
  const keepStates = opts.keepStates ?? DEFAULT_KEEP_STATES;
  for (const d of [p.states, p.inbox, p.logs, p.tls]) await mkdir(d, { recursive: true });
  await chmod(p.tls, 0o700);
  const tls = await generateTls(name);
  await writeFileSynced(p.key, tls.key, 0o600);
  await writeFileSynced(p.cert, tls.cert, 0o644);
  const token = newToken();
  await writeFileSynced(p.token, token + '\n', 0o600);
  await chmod(p.token, 0o600);
  await chmod(p.key, 0o600);
  await writeInitialTokens(store, token);
  if (signerKeys.length > 0) await writeInitialSigners(store, signerKeys);
  const createdAt = new Date().toISOString();
  const id = '0-initial';
  const initial: StoreState = {
    format: STORE_FORMAT,
    id,
    createdAt,
    lastSuccessfulUpdate: null,
    lastUpdateStatus: null,
    updateMode: 'Offline',
    versions: { ...ZERO_VERSIONS },
    components: {},
    defaultPoliciesCreated: false,
    defaultPolicies: [],
    bundleSha256: null,
    origin: 'init',
  };
  await mkdir(p.state(id));
  await writeFileSynced(join(p.state(id), 'state.json'), JSON.stringify(initial, null, 2));
  await fsyncDir(p.state(id));
  await fsyncDir(p.states);
  await writeFileAtomic(p.current, JSON.stringify(pointerFor(id, [])));
  // agent.json last: its presence marks a complete store
  await writeFileAtomic(p.agentFile, JSON.stringify({ format: STORE_FORMAT, name, createdAt, keepStates } satisfies AgentInfo, null, 2));
  return {
    store,
    fingerprint: certFingerprint(new X509Certificate(tls.cert)),
    tokenFile: p.token,
    created: true,
    keepStates,
    signers: await listSigners(store),
  };
}

/** Reads the API token (first line of the token file). */
export async function readToken(store: string): Promise<string> {
  return (await readFile(storePaths(store).token, 'utf8')).trim();
}

/**
 * Removes what a killed apply may have left: half-written state dirs, temp pointer files, stale
 * lock asides, states no longer named by CURRENT, half-written copies in staged/ and, with `inbox` (agent start only: uploads may be
 * streaming while an apply runs), our own partial uploads. Call only under the apply lock.
 */
export async function cleanLeftovers(store: string, opts: { inbox?: boolean } = {}): Promise<string[]> {
  const p = storePaths(store);
  const { pointer } = await readCurrent(store);
  const keep = new Set([pointer.state, ...(pointer.kept ?? [])]);
  const removed: string[] = [];
  for (const name of await readdir(p.states)) {
    if (!keep.has(name)) {
      await rm(join(p.states, name), { recursive: true, force: true });
      removed.push(`states/${name}`);
    }
  }
  for (const name of await readdir(store)) {
    if (name.startsWith('.CURRENT.tmp-')) {
      await rm(join(store, name), { force: true });
      removed.push(name);
    }
  }
  removed.push(...(await cleanStagedLeftovers(store)));
  for (const name of opts.inbox ? await readdir(p.inbox).catch(() => [] as string[]) : []) {
    // our own partial uploads, and custody documents half-written by a killed PUT /api/v1/custody
    if (name.startsWith(UPLOAD_PREFIX) || /^\.[0-9a-f]{64}\.custody\.json\.tmp-/.test(name)) {
      await rm(join(p.inbox, name), { force: true });
      removed.push(`inbox/${name}`);
    }
  }
  return removed;
}

/** What the node holds, for `diff --store DIR` and `GET /api/v1/content`. */
export async function readNodeContent(store: string): Promise<NodeContentState> {
  const { state } = await readCurrent(store);
  const components: Partial<Record<ComponentId, ComponentContent>> = {};
  for (const id of COMPONENT_IDS) {
    if (!state.components[id]) continue;
    const file = join(storePaths(store).state(state.id), `${id}.content.json`);
    components[id] = await readStoreJson(store, file, componentContentSchema, `content of ${id}`);
  }
  return { versions: { ...state.versions }, components };
}

/** Re-hashes every installed payload against the state (crash test, `agent status --verify`). */
export async function verifyStore(store: string): Promise<{ ok: boolean; problems: string[]; state: StoreState }> {
  const { state } = await readCurrent(store);
  const problems: string[] = [];
  for (const c of Object.values(state.components)) {
    if (!c) continue;
    const file = join(storePaths(store).state(state.id), c.file);
    try {
      const st = await stat(file);
      if (st.size !== c.size) problems.push(`${c.id}: size ${st.size} != ${c.size}`);
      else if ((await sha256File(file)) !== c.sha256) problems.push(`${c.id}: sha256 differs`);
    } catch (e) {
      problems.push(`${c.id}: ${isPermissionError(e) ? 'payload not readable (permission denied)' : 'payload missing'}`);
    }
  }
  return { ok: problems.length === 0, problems, state };
}
