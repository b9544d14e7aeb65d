/** Workstation settings (`<home>/settings.json`): feed URL, proxy, extra CAs, check schedule, library location. */
import { join } from 'node:path';
import { z } from 'zod';
import type { Settings } from './contract.js';
import { readJson, writeJson } from './json-file.js';
import type { SecretBox } from './secrets.js';

import { DEFAULT_BUNDLE_URL } from '../feed/index.js';

interface StoredSettings extends Omit<Settings, 'proxy'> {
  proxy: Omit<Settings['proxy'], 'hasPassword'> & { passwordSealed?: string };
}

/** settings.json as written by `save`; every field may be absent (its default then applies). */
const storedSchema = z
  .object({
    feedUrl: z.string(),
    proxy: z
      .object({
        host: z.string(),
        port: z.number().int().min(0).max(65535),
        username: z.string(),
        bypass: z.string(),
        passwordSealed: z.string(),
      })
      .partial(),
    extraCaPem: z.string(),
    schedule: z.object({ enabled: z.boolean(), initialDelayMinutes: z.number(), everyHours: z.number() }).partial(),
    libraryDir: z.string(),
  })
  .partial();

export type SettingsInput = Omit<Settings, 'proxy'> & { proxy: Omit<Settings['proxy'], 'hasPassword'> & { password?: string | undefined } };

export class SettingsStore {
  readonly file: string;
  constructor(
    private readonly home: string,
    private readonly secrets: SecretBox,
  ) {
    this.file = join(home, 'settings.json');
  }

  #defaults(): StoredSettings {
    return {
      feedUrl: DEFAULT_BUNDLE_URL,
      proxy: { host: '', port: 0, username: '', bypass: '' },
      extraCaPem: '',
      schedule: { enabled: false, initialDelayMinutes: 10, everyHours: 24 },
      // the folder holding bundles/ — the data folder by default, the same library as the CLI's
      libraryDir: this.home,
    };
  }

  #stored(): StoredSettings {
    const d = this.#defaults();
    const s = readJson(this.file, storedSchema, {});
    return { ...d, ...s, proxy: { ...d.proxy, ...s.proxy }, schedule: { ...d.schedule, ...s.schedule } };
  }

  get(): Settings {
    const { proxy, ...rest } = this.#stored();
    const { passwordSealed, ...p } = proxy;
    return { ...rest, proxy: { ...p, hasPassword: Boolean(passwordSealed) } };
  }

  /** The proxy as a URL for the feed code (credentials opened), or undefined. */
  proxyUrl(): string | undefined {
    const { proxy } = this.#stored();
    if (!proxy.host) return undefined;
    const u = new URL(`http://${proxy.host}:${proxy.port || 3128}`);
    if (proxy.username) u.username = proxy.username;
    if (proxy.passwordSealed) u.password = this.secrets.open(proxy.passwordSealed);
    return u.toString().replace(/\/$/, '');
  }

  /** An empty password keeps the stored one; a new one replaces it. */
  save(input: SettingsInput): Settings {
    const old = this.#stored();
    const { password, ...proxy } = input.proxy;
    const passwordSealed = password ? this.secrets.seal(password) : proxy.username ? old.proxy.passwordSealed : undefined;
    writeJson(this.file, { ...input, proxy: { ...proxy, ...(passwordSealed ? { passwordSealed } : {}) } });
    return this.get();
  }
}
