/**
 * Named API tokens (interfaces.md `agent token add NAME · token revoke NAME · token list`), so history and
 * `ise-psc.log`'s `-::who::-` say which person or pipeline acted. Only SHA-256 digests are stored
 * (tokens.json, 0600): a token is 32 random bytes, so a plain digest is as hard to reverse as the token
 * is to guess, and it is compared in constant time. The `token` file written by `agent init` holds the
 * token named "admin"; a store made before named tokens (no tokens.json) has that one token only, and
 * its first `token add|revoke` writes tokens.json with it.
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { writeFileAtomic } from '../durable.js';
import { storePaths } from './paths.js';
import { readStoreFile, requireStore, updateStoreFile } from './store-file.js';

/** The name of the token in the `token` file (`agent init`). */
const ADMIN_TOKEN = 'admin';

/** Goes into `-::name::-` of ise-psc.log and into history: no spaces, colons or controls. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const tokenSchema = z.strictObject({ name: z.string().regex(NAME), sha256: z.string().regex(HEX64), createdAt: z.string() });
const tokensSchema = z.strictObject({ format: z.literal(1), tokens: z.array(tokenSchema).max(1000) });
/** logs/tokens-used.json: last use per token digest, written only by the serving agent (so never racing the CLI). */
const usedSchema = z.record(z.string().regex(HEX64), z.string());

type TokensFile = z.infer<typeof tokensSchema>;

/** `agent token list --json`: `{"ok":true,"tokens":[TokenInfo…]}` — never a secret. */
export interface TokenInfo {
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function checkName(name: string): void {
  if (!NAME.test(name))
    throw new CoreError(
      'USAGE',
      `"${name}" is not a valid token name: use 1–64 letters, digits and . _ @ + - (it appears in history and in ise-psc.log).`,
      { name },
    );
}

/** The tokens of a store: tokens.json, or for a store made before it, the `token` file as "admin". */
async function readTokens(store: string): Promise<TokensFile> {
  const p = storePaths(store);
  const file = await readStoreFile(store, p.tokens, tokensSchema);
  if (file) return file;
  const legacy = await readFile(p.token, 'utf8').catch(() => null);
  const createdAt = await stat(p.token).then(
    (s) => s.mtime.toISOString(),
    () => new Date(0).toISOString(),
  );
  return { format: 1, tokens: legacy?.trim() ? [{ name: ADMIN_TOKEN, sha256: digest(legacy.trim()), createdAt }] : [] };
}

/** Registers the "admin" token of a new store (`agent init`). */
export async function writeInitialTokens(store: string, adminToken: string): Promise<void> {
  const file: TokensFile = { format: 1, tokens: [{ name: ADMIN_TOKEN, sha256: digest(adminToken), createdAt: new Date().toISOString() }] };
  await writeFileAtomic(storePaths(store).tokens, JSON.stringify(file, null, 2) + '\n', 0o600);
}

/** `agent token add NAME`: returns the new token (shown once; only its digest is kept). */
export async function addToken(store: string, name: string): Promise<{ name: string; token: string; createdAt: string }> {
  checkName(name);
  const token = newToken();
  const createdAt = new Date().toISOString();
  await updateStoreFile(
    store,
    storePaths(store).tokens,
    tokensSchema,
    () => readTokens(store),
    (cur) => {
      if (cur.tokens.some((t) => t.name === name))
        throw new CoreError(
          'USAGE',
          `A token named "${name}" exists already. Revoke it first (\`agent token revoke ${name}\`) or pick another name.`,
          {
            name,
          },
        );
      return { next: { ...cur, tokens: [...cur.tokens, { name, sha256: digest(token), createdAt }] }, result: undefined };
    },
  );
  return { name, token, createdAt };
}

/** `agent token revoke NAME`: the running agent refuses it from its next request on. Revoking "admin" also removes the `token` file. */
export async function revokeToken(store: string, name: string): Promise<{ name: string; remaining: string[] }> {
  checkName(name);
  const p = storePaths(store);
  const remaining = await updateStoreFile(
    store,
    p.tokens,
    tokensSchema,
    () => readTokens(store),
    (cur) => {
      if (!cur.tokens.some((t) => t.name === name))
        throw new CoreError('NOT_FOUND', `No token is named "${name}". See \`agent token list\`.`, {
          name,
          tokens: cur.tokens.map((t) => t.name),
        });
      const tokens = cur.tokens.filter((t) => t.name !== name);
      return { next: { ...cur, tokens }, result: tokens.map((t) => t.name) };
    },
  );
  // a file holding a dead secret only misleads whoever finds it
  if (name === ADMIN_TOKEN) await rm(p.token, { force: true });
  return { name, remaining };
}

/** `agent token list`: names, creation and last use. */
export async function listTokens(store: string): Promise<TokenInfo[]> {
  await requireStore(store);
  const [{ tokens }, used] = await Promise.all([
    readTokens(store),
    readStoreFile(store, storePaths(store).tokensUsed, usedSchema).catch(() => null),
  ]);
  return tokens.map((t) => ({ name: t.name, createdAt: t.createdAt, lastUsedAt: used?.[t.sha256] ?? null }));
}

/** How often the agent records a token's last use (a write per request would be wasteful). */
const USED_EVERY_MS = 60_000;

/**
 * The serving agent's view of the tokens: re-read whenever tokens.json (or the legacy `token` file)
 * changes on disk, so `token add|revoke` take effect without a restart.
 */
export class TokenVerifier {
  #store: string;
  #seen = '';
  #tokens: Array<{ name: string; digest: Buffer; hex: string }> = [];
  #used = new Map<string, number>();
  #writing: Promise<void> = Promise.resolve();

  constructor(store: string) {
    this.#store = store;
  }

  async #reload(): Promise<void> {
    const p = storePaths(this.#store);
    const sig = async (f: string) =>
      stat(f).then(
        (s) => `${s.ino}:${s.size}:${s.mtimeMs}`,
        () => '-',
      );
    const seen = `${await sig(p.tokens)}|${await sig(p.token)}`;
    if (seen === this.#seen) return;
    const { tokens } = await readTokens(this.#store);
    this.#tokens = tokens.map((t) => ({ name: t.name, digest: Buffer.from(t.sha256, 'hex'), hex: t.sha256 }));
    this.#seen = seen;
  }

  /** The name of the token in an `Authorization: Bearer …` header, or null. */
  async verify(header: string | undefined): Promise<string | null> {
    await this.#reload();
    const m = /^Bearer\s+(\S{1,512})$/i.exec(header ?? '');
    const given = createHash('sha256')
      .update(m?.[1] ?? '')
      .digest();
    let found: { name: string; hex: string } | null = null;
    // every digest is compared, so the time taken says nothing about which one matched
    for (const t of this.#tokens) if (timingSafeEqual(given, t.digest) && m) found = t;
    if (found) this.#noteUse(found.hex);
    return found?.name ?? null;
  }

  /** Resolves once the last-use note in progress (if any) is written. */
  settled(): Promise<void> {
    return this.#writing;
  }

  #noteUse(hex: string): void {
    const now = Date.now();
    if (now - (this.#used.get(hex) ?? 0) < USED_EVERY_MS) return;
    this.#used.set(hex, now);
    const file = storePaths(this.#store).tokensUsed;
    this.#writing = this.#writing
      .then(async () => {
        const cur = (await readStoreFile(this.#store, file, usedSchema).catch(() => null)) ?? {};
        const live = new Set(this.#tokens.map((t) => t.hex));
        const next = Object.fromEntries(Object.entries(cur).filter(([k]) => live.has(k)));
        next[hex] = new Date(now).toISOString();
        await writeFileAtomic(file, JSON.stringify(next) + '\n', 0o600);
      })
      .catch(() => undefined);
  }
}
