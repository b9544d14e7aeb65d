/**
 * The node store: init, read the current state, clean leftovers of a killed apply.
 * Layout in ./paths.ts. A state is an immutable directory; CURRENT names the live one and the ones kept
 * for rollback (states.ts), and is only ever replaced by an atomic rename.
 */
import { mkdir, readFile, readdir, rm, stat, chmod } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import type { ComponentContent, ComponentId, NodeContentState, Versions } from '../bundle/types.js';
import { VERSION_KEYS } from '../bundle/components.js';
import { COMPONENT_IDS, ZERO_VERSION } from '../bundle/types.js';
import { CoreError } from '../errors.js';
import { hashFile } from '../hash.js';
import { certFingerprint } from '../net/trust.js';
import { STORE_FORMAT, storePaths, UPLOAD_PREFIX } from './paths.js';
import { fsyncDir, writeFileAtomic, writeFileSynced } from '../durable.js';
import { generateTls } from './tls.js';
import { newToken, writeInitialTokens } from './tokens.js';
import { corrupt, notAStore } from './store-file.js';
import { addSigners, listSigners, readSignerFiles, writeInitialSigners, type TrustedSigner } from './signers.js';
import { checkKeepStates, DEFAULT_KEEP_STATES, keepStatesOf, pointerFor } from './states.js';
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

export interface CurrentPointer {
  state: string;
  /** kept[0], written for readers that predate `kept` */
  previous: string | null;
  /** rollback targets, newest first (absent in stores made before it: then [previous]) */
  kept?: string[];
}

export interface AgentInfo {
  format: number;
  name: string;
  createdAt: string;
  /** how many states are kept, the current one included (absent: DEFAULT_KEEP_STATES) */
  keepStates?: number;
}

const STATE_ID = /^[0-9a-z-]{1,64}$/;

/** Which of the five Update Information versions a component drives (the component registry's). */
export { VERSION_KEY } from '../bundle/components.js';

export const ZERO_VERSIONS: Versions = Object.fromEntries(VERSION_KEYS.map((k) => [k, ZERO_VERSION])) as Versions;

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** Reads agent.json; NOT_FOUND when DIR is not a node store. */
export async function readAgentInfo(store: string): Promise<AgentInfo> {
  const p = storePaths(store);
  let text: string;
  try {
    text = await readFile(p.agentFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw notAStore(store);
    }
    throw corrupt(store, 'agent.json unreadable', e);
  }
  try {
    return JSON.parse(text) as AgentInfo;
  } catch (e) {
    throw corrupt(store, 'agent.json is not valid JSON', e);
  }
}

/** The live state and the pointer that names it; STORE_CORRUPT if either cannot be read. */
export async function readCurrent(
  store: string,
): Promise<{ pointer: CurrentPointer & { kept: string[] }; state: StoreState; info: AgentInfo }> {
  const info = await readAgentInfo(store);
  const p = storePaths(store);
  let pointer: CurrentPointer;
  try {
    pointer = await readJson<CurrentPointer>(p.current);
    if (!pointer || typeof pointer !== 'object') throw new Error('not an object');
  } catch (e) {
    throw corrupt(store, 'CURRENT missing or invalid', e);
  }
  if (typeof pointer.state !== 'string' || !STATE_ID.test(pointer.state)) throw corrupt(store, 'CURRENT names no state');
  const kept = pointer.kept ?? (pointer.previous ? [pointer.previous] : []);
  if (!Array.isArray(kept) || !kept.every((k) => typeof k === 'string' && STATE_ID.test(k)))
    throw corrupt(store, 'CURRENT keeps invalid states');
  return { pointer: { state: pointer.state, previous: kept[0] ?? null, kept }, state: await readState(store, pointer.state), info };
}

/** Reads states/<id>/state.json. */
export async function readState(store: string, id: string): Promise<StoreState> {
  try {
    const state = await readJson<StoreState>(join(storePaths(store).state(id), 'state.json'));
    if (state.format !== STORE_FORMAT || !state.versions || !state.components) throw new Error('unexpected shape');
    return state;
  } catch (e) {
    throw corrupt(store, `state ${id} unreadable`, e);
  }
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
    try {
      components[id] = await readJson<ComponentContent>(join(storePaths(store).state(state.id), `${id}.content.json`));
    } catch (e) {
      throw corrupt(store, `content of ${id} unreadable`, e);
    }
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
    } catch {
      problems.push(`${c.id}: payload missing`);
    }
  }
  return { ok: problems.length === 0, problems, state };
}
