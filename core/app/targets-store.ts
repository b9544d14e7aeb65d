/**
 * Saved targets (`<home>/targets.json`): staging nodes (a Linux host in ISE's zone running the agent — never the ISE
 * appliance), each optionally naming the ISE deployment it serves (its PAN's host name). Pins (TLS certificate or SSH host-key fingerprints) are kept
 * in clear; tokens, passwords and private keys only sealed by the injected SecretBox
 * (Electron safeStorage in the app).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { TargetView } from './contract.js';
import { CoreError } from '../errors.js';
import { readJson, writeJson } from './json-file.js';
import type { SecretBox } from './secrets.js';
import { compareAgentVersion } from './agent-version.js';
import { VERSION } from '../version.js';

/** The agent version a node reported the last time it was asked (status or Test connection); null: too old to say. */
const seenSchema = z.object({ agentVersion: z.string().nullable(), at: z.string() });

/** targets.json: the saved targets, secrets sealed. */
const storedSchema = z.object({
  targets: z.array(
    z.discriminatedUnion('kind', [
      z.object({
        id: z.string(),
        kind: z.literal('https'),
        name: z.string(),
        url: z.string(),
        fingerprint: z.string(),
        tokenSealed: z.string(),
        lab: z.boolean().optional(),
        labStore: z.string().optional(),
        deployment: z.string().optional(),
        seen: seenSchema.optional(),
      }),
      z.object({
        id: z.string(),
        kind: z.literal('sftp'),
        name: z.string(),
        deployment: z.string().optional(),
        host: z.string(),
        port: z.number().int().min(1).max(65535),
        user: z.string(),
        storePath: z.string(),
        hostKey: z.string(),
        privateKeySealed: z.string().optional(),
        passphraseSealed: z.string().optional(),
        passwordSealed: z.string().optional(),
        /** log in with the keys of the SSH agent at SSH_AUTH_SOCK */
        agent: z.boolean().optional(),
        remoteCommand: z.string().optional(),
        seen: seenSchema.optional(),
      }),
    ]),
  ),
});

/** A target as stored (secrets sealed). */
export type StoredTarget = z.output<typeof storedSchema>['targets'][number];

/** A target with its secrets opened, for the transfer code only (never sent to the UI). */
export type OpenTarget =
  | (Extract<StoredTarget, { kind: 'https' }> & { token: string })
  | (Extract<StoredTarget, { kind: 'sftp' }> & { privateKey?: string; passphrase?: string; password?: string });

export class TargetStore {
  readonly file: string;
  constructor(
    home: string,
    private readonly secrets: SecretBox,
  ) {
    this.file = join(home, 'targets.json');
  }

  all(): StoredTarget[] {
    return readJson(this.file, storedSchema, { targets: [] }).targets;
  }

  get(id: string): StoredTarget {
    const t = this.all().find((x) => x.id === id);
    if (!t) throw new CoreError('NOT_FOUND', `No target with id ${id}; it may have been removed. Reload the Targets screen.`);
    return t;
  }

  open(id: string): OpenTarget {
    const t = this.get(id);
    if (t.kind === 'https') return { ...t, token: this.secrets.open(t.tokenSealed) };
    return {
      ...t,
      ...(t.privateKeySealed ? { privateKey: this.secrets.open(t.privateKeySealed) } : {}),
      ...(t.passphraseSealed ? { passphrase: this.secrets.open(t.passphraseSealed) } : {}),
      ...(t.passwordSealed ? { password: this.secrets.open(t.passwordSealed) } : {}),
    };
  }

  /** Adds a target; secrets are sealed before they touch the disk. */
  add(input: AddTarget): StoredTarget {
    const stored = this.#seal(randomUUID().slice(0, 8), input);
    writeJson(this.file, { targets: [...this.all(), stored] });
    return stored;
  }

  /**
   * Edits a target in place (same id, so Preview's choices and Activity keep naming it): fields as for `add`;
   * a secret left out keeps the stored one. The kind cannot change.
   */
  update(id: string, edit: EditTarget): StoredTarget {
    const old = this.open(id);
    if (old.kind !== edit.kind)
      throw new CoreError(
        'USAGE',
        `${old.name} is an ${old.kind.toUpperCase()} target; remove it and add an ${edit.kind.toUpperCase()} one instead.`,
      );
    const input: AddTarget = mergeEdit(old, edit);
    const stored = { ...this.#seal(id, input), ...(old.seen ? { seen: old.seen } : {}) };
    this.replace(stored);
    return stored;
  }

  /** Records the agent version a node just reported (shown next to the kit's version). */
  noteSeen(id: string, agentVersion: string | null): void {
    const t = this.all().find((x) => x.id === id);
    if (!t || (t.seen && t.seen.agentVersion === agentVersion)) return;
    this.replace({ ...t, seen: { agentVersion, at: new Date().toISOString() } });
  }

  #seal(id: string, input: AddTarget): StoredTarget {
    if (input.kind === 'https') {
      return {
        id,
        kind: 'https',
        name: input.name,
        url: input.url.replace(/\/+$/, ''),
        fingerprint: input.fingerprint,
        tokenSealed: this.secrets.seal(input.token),
        ...(input.lab ? { lab: true, labStore: input.labStore } : {}),
        ...(input.deployment ? { deployment: input.deployment } : {}),
      };
    }
    if (!input.privateKey && !input.password && !input.agent)
      throw new CoreError(
        'USAGE',
        'An SFTP target needs a way to log in: a private key (choose the key file or paste it), the SSH agent, or a password.',
      );
    return {
      id,
      kind: 'sftp',
      name: input.name,
      host: input.host,
      port: input.port,
      user: input.user,
      storePath: input.storePath,
      hostKey: input.hostKey,
      ...(input.privateKey ? { privateKeySealed: this.secrets.seal(input.privateKey) } : {}),
      ...(input.privateKey && input.passphrase ? { passphraseSealed: this.secrets.seal(input.passphrase) } : {}),
      ...(input.password ? { passwordSealed: this.secrets.seal(input.password) } : {}),
      ...(input.agent ? { agent: true } : {}),
      ...(input.remoteCommand ? { remoteCommand: input.remoteCommand } : {}),
      ...(input.deployment ? { deployment: input.deployment } : {}),
    };
  }

  /** Replaces a stored target (e.g. the lab node's URL after a restart). */
  replace(target: StoredTarget): void {
    writeJson(this.file, { targets: this.all().map((t) => (t.id === target.id ? target : t)) });
  }

  remove(id: string): boolean {
    const all = this.all();
    const rest = all.filter((t) => t.id !== id);
    writeJson(this.file, { targets: rest });
    return rest.length !== all.length;
  }
}

export type AddTarget =
  | { kind: 'https'; name: string; url: string; fingerprint: string; token: string; lab?: boolean; labStore?: string; deployment?: string }
  | {
      kind: 'sftp';
      name: string;
      deployment?: string;
      host: string;
      port: number;
      user: string;
      storePath: string;
      hostKey: string;
      privateKey?: string;
      passphrase?: string;
      password?: string;
      agent?: boolean;
      remoteCommand?: string;
    };

/** An edit of a target: as AddTarget, but a secret left out keeps the stored one; `auth` says which SFTP login to keep. */
export type EditTarget =
  | (Omit<Extract<AddTarget, { kind: 'https' }>, 'token' | 'lab' | 'labStore'> & { token?: string })
  | (Omit<Extract<AddTarget, { kind: 'sftp' }>, 'agent'> & { auth: 'key' | 'password' | 'agent' });

/** The full target an edit leaves: the edit's fields over the stored ones, secrets kept where none was given. */
export function mergeEdit(old: OpenTarget, edit: EditTarget): AddTarget {
  const deployment = edit.deployment ? { deployment: edit.deployment } : {};
  if (old.kind === 'https' && edit.kind === 'https')
    return {
      kind: 'https',
      name: edit.name,
      url: edit.url,
      fingerprint: edit.fingerprint,
      token: edit.token || old.token,
      ...(old.lab ? { lab: true, labStore: old.labStore } : {}),
      ...deployment,
    };
  if (old.kind !== 'sftp' || edit.kind !== 'sftp') throw new CoreError('USAGE', 'A target cannot change how it is reached.');
  const base = {
    kind: 'sftp' as const,
    name: edit.name,
    host: edit.host,
    port: edit.port,
    user: edit.user,
    storePath: edit.storePath,
    hostKey: edit.hostKey,
    ...(edit.remoteCommand ? { remoteCommand: edit.remoteCommand } : {}),
    ...deployment,
  };
  if (edit.auth === 'agent') return { ...base, agent: true };
  if (edit.auth === 'password') {
    const password = edit.password || old.password;
    if (!password) throw new CoreError('USAGE', 'Enter the password: this target had no password stored.');
    return { ...base, password };
  }
  // a new key comes with its own passphrase (or none); a kept key keeps its passphrase unless a new one is typed
  const privateKey = edit.privateKey || old.privateKey;
  if (!privateKey) throw new CoreError('USAGE', 'Choose or paste the private key: this target had no key stored.');
  const passphrase = edit.privateKey ? edit.passphrase : edit.passphrase || old.passphrase;
  return { ...base, privateKey, ...(passphrase ? { passphrase } : {}) };
}

/** The UI's view of a target: no secrets. */
export function targetView(t: StoredTarget): TargetView {
  const extra = {
    ...(t.deployment ? { deployment: t.deployment } : {}),
    ...(t.seen ? { seen: { ...t.seen, vsApp: compareAgentVersion(t.seen.agentVersion, VERSION) } } : {}),
  };
  if (t.kind === 'https')
    return {
      id: t.id,
      kind: 'https',
      name: t.name,
      address: t.url,
      pinned: t.fingerprint,
      auth: 'token',
      lab: Boolean(t.lab),
      settings: { kind: 'https', url: t.url },
      ...extra,
    };
  return {
    id: t.id,
    kind: 'sftp',
    name: t.name,
    address: `sftp://${t.user}@${t.host}:${t.port}${t.storePath.startsWith('/') ? '' : '/'}${t.storePath}`,
    pinned: t.hostKey,
    auth: t.agent ? 'agent' : t.privateKeySealed ? 'key' : 'password',
    lab: false,
    settings: {
      kind: 'sftp',
      host: t.host,
      port: t.port,
      user: t.user,
      storePath: t.storePath,
      remoteCommand: t.remoteCommand ?? '',
      hasPassphrase: Boolean(t.passphraseSealed),
    },
    ...extra,
  };
}
