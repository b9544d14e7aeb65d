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
        remoteCommand: z.string().optional(),
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
    const id = randomUUID().slice(0, 8);
    let stored: StoredTarget;
    if (input.kind === 'https') {
      stored = {
        id,
        kind: 'https',
        name: input.name,
        url: input.url.replace(/\/+$/, ''),
        fingerprint: input.fingerprint,
        tokenSealed: this.secrets.seal(input.token),
        ...(input.lab ? { lab: true, labStore: input.labStore } : {}),
        ...(input.deployment ? { deployment: input.deployment } : {}),
      };
    } else {
      if (!input.privateKey && !input.password)
        throw new CoreError(
          'USAGE',
          'An SFTP target needs a private key or a password. Paste the key (OpenSSH format) or enter the password.',
        );
      stored = {
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
        ...(input.remoteCommand ? { remoteCommand: input.remoteCommand } : {}),
        ...(input.deployment ? { deployment: input.deployment } : {}),
      };
    }
    writeJson(this.file, { targets: [...this.all(), stored] });
    return stored;
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
      remoteCommand?: string;
    };

/** The UI's view of a target: no secrets. */
export function targetView(t: StoredTarget): TargetView {
  const deployment = t.deployment ? { deployment: t.deployment } : {};
  if (t.kind === 'https')
    return {
      id: t.id,
      kind: 'https',
      name: t.name,
      address: t.url,
      pinned: t.fingerprint,
      auth: 'token',
      lab: Boolean(t.lab),
      ...deployment,
    };
  return {
    id: t.id,
    kind: 'sftp',
    name: t.name,
    address: `sftp://${t.user}@${t.host}:${t.port}${t.storePath.startsWith('/') ? '' : '/'}${t.storePath}`,
    pinned: t.hostKey,
    auth: t.privateKeySealed ? 'key' : 'password',
    lab: false,
    ...deployment,
  };
}
