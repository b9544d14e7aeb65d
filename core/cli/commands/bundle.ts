/**
 * `posture-stage sample | inspect | diff` (interfaces.md "CLI"). Thin: parse flags, call core/bundle,
 * print (core/cli/format/*). Refusals are coded errors printed by runCommand, never stack traces.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { BAR_MIN_BYTES, collect, runCommand, progressBar, usageError, type ProgressHandle } from '../io.js';
import { verifyIfLibraryCopy } from '../library-copy.js';
import { CoreError } from '../../errors.js';
import {
  checkBundle,
  diffAgainstState,
  diffBundles,
  writeBundleFile,
  type CheckedBundle,
  type Progress,
  type Versions,
} from '../../bundle/index.js';
import { formatInspection } from '../format/inspect.js';
import { VERSION_COMPONENTS } from '../../bundle/components.js';
import { formatDiff } from '../format/diff.js';

/**
 * Two progress bars on stderr for files big enough to take a while: "reading" (read + hash of the zip)
 * and "checking" (components inflated and parsed), both scaled to the file's size.
 */
async function progressFor(file: string): Promise<{ onProgress?: (p: Progress) => void; stop: () => void }> {
  let size = 0;
  try {
    size = (await stat(file)).size;
  } catch {
    return { stop() {} };
  }
  if (size < BAR_MIN_BYTES) return { stop() {} };
  let bar: ProgressHandle | null = null;
  let label = '';
  let parsed = { done: 0, total: 1 };
  const show = (name: string, fraction: number) => {
    if (name !== label) {
      bar?.stop();
      label = name;
      bar = progressBar(`${basename(file)} ${name}`, size);
    }
    bar?.update(Math.round(Math.min(1, fraction) * size));
  };
  return {
    onProgress(p) {
      const f = p.total > 0 ? p.done / p.total : 0;
      if (p.phase === 'read') show('reading ', f / 2);
      else if (p.phase === 'hash') show('reading ', 0.5 + f / 2);
      else if (p.phase === 'parse') {
        parsed = { done: p.done, total: Math.max(p.total, 1) };
        show('checking', parsed.done / parsed.total);
      } else show('checking', (parsed.done + f) / parsed.total);
    },
    stop: () => bar?.stop(),
  };
}

async function check(file: string, requireReference = false, contents = true): Promise<CheckedBundle> {
  await verifyIfLibraryCopy(file);
  const progress = await progressFor(file);
  try {
    return await checkBundle(resolve(file), { onProgress: progress.onProgress, fileName: basename(file), requireReference, contents });
  } finally {
    progress.stop();
  }
}

/** `--out` cannot be written: say which file and what to do. */
function cannotWrite(file: string, e: unknown): CoreError {
  const reason = (e as NodeJS.ErrnoException).code ?? String(e);
  return new CoreError(
    'USAGE',
    `Cannot write ${file} (${e instanceof Error ? e.message : reason}). Check that its folder exists and is writable, or choose another --out.`,
    { file, reason },
  );
}

function versionOpt(value: string | undefined, key: keyof Versions, out: Partial<Versions>): void {
  if (value !== undefined) out[key] = value;
}

function numberOpt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw usageError(`${flag} must be a number, not "${value}".`);
  return n;
}

/** `--conditions`, `--avas-windows`, …: one version option per key of the component registry. */
interface SampleOpts extends Partial<Versions> {
  out: string;
  seed?: string;
  scale?: string;
  updated?: string;
  json?: boolean;
}
interface DiffOpts {
  store?: string;
  tokenFile?: string;
  fingerprint?: string;
  identity?: string;
  hostKey?: string;
  passwordEnv?: string;
  remoteCommand?: string;
  ca?: string[];
  json?: boolean;
}

/** Registers `sample`, `inspect` and `diff`. */
export function registerBundleCommands(program: Command): void {
  const sample = program
    .command('sample')
    .description('Write a realistic reference-layout posture-offline.zip (same arguments ⇒ same bytes; content follows the versions).')
    .requiredOption('--out <file>', 'where to write the zip')
    .option('--seed <n>', 'marks the manifest (<generator>); payload content follows the component versions', '1')
    .option('--scale <n>', 'multiplies content; 100 ≈ 100 MB', '1');
  // commander names --avas-windows avasWindows: the component id of each version gives its version key
  for (const c of VERSION_COMPONENTS) sample.option(`--${c.id} <version>`, c.label);
  sample
    .option('--updated <iso>', 'manifest <updated> time (ISO 8601)')
    .option('--json', 'one JSON document on stdout')
    .action(async (opts: SampleOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const versions: Partial<Versions> = {};
        for (const c of VERSION_COMPONENTS) versionOpt(opts[c.versionKey], c.versionKey, versions);
        const scale = numberOpt(opts.scale, '--scale') ?? 1;
        // about 1.1 MB of zip per unit of scale; the bar advances per payload written
        const estimate = Math.round(scale * 1.1 * 1024 * 1024);
        const bar = scale >= 10 ? progressBar('sample', estimate) : null;
        const file = resolve(opts.out);
        let written: { size: number; sha256: string };
        try {
          // streamed to the file (flat memory at any scale), under a temporary name until complete
          written = await writeBundleFile(file, {
            seed: numberOpt(opts.seed, '--seed'),
            scale,
            versions,
            updated: opts.updated,
            onProgress: (done, total) => bar?.update(Math.round((done / total) * estimate)),
          }).catch((e: unknown) => {
            throw e instanceof CoreError ? e : cannotWrite(file, e);
          });
        } finally {
          bar?.stop();
        }
        const { size, sha256 } = written;
        return { data: { file, size, sha256 }, human: `Wrote ${file} (${size} bytes, sha256 ${sha256})` };
      });
    });

  program
    .command('inspect')
    .description('Validate and inspect a posture-offline.zip: versions, AV/AS charts, conditions, OS groups, checks.')
    .argument('<file>', 'the bundle')
    .option('--json', 'one JSON document on stdout')
    .action(async (file: string, opts: { json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        // inspect shows the summary: no per-component content is kept, so memory stays flat in the bundle's size
        const { inspection } = await check(file, false, false);
        return { data: { ...inspection }, human: () => formatInspection(inspection) };
      });
    });

  program
    .command('diff')
    .description('What applying NEW over OLD changes. OLD is a bundle file, https://… or sftp://… node, or --store DIR.')
    .argument('[old]', 'old bundle file or node URL (omit with --store)')
    .argument('[new]', 'new bundle file')
    .option('--store <dir>', 'compare against a local node store')
    .option('--token-file <file>', 'agent API token (https)')
    .option('--fingerprint <sha256>', "agent certificate's SHA-256 fingerprint (https)")
    .option('--ca <file>', 'extra CA certificate (https); repeatable', collect)
    .option('--identity <key>', 'SSH private key (sftp)')
    .option('--host-key <sha256>', "SSH host key, OpenSSH's SHA256:… form (sftp)")
    .option('--password-env <var>', 'environment variable holding the SSH password (sftp)')
    .option('--remote-command <cmd>', 'posture-stage on the node (sftp)')
    .option('--json', 'one JSON document on stdout')
    .action(async (a: string | undefined, b: string | undefined, opts: DiffOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const positional = [a, b].filter((x): x is string => x !== undefined);
        if (opts.store ? positional.length !== 1 : positional.length !== 2) {
          throw usageError(
            opts.store
              ? 'With --store DIR give only the new bundle: posture-stage diff --store DIR NEW.zip'
              : 'Give the old and the new bundle: posture-stage diff OLD NEW (OLD may be https://…, sftp://… or --store DIR).',
          );
        }
        const newFile = positional[positional.length - 1] as string;
        const oldRef = opts.store ?? (positional[0] as string);
        if (opts.store) {
          const next = await check(newFile, true);
          // loaded on demand: inspect and sample need neither the agent nor the transfer stack
          const { readNodeContent } = await import('../../agent/index.js');
          const diff = diffAgainstState(await readNodeContent(resolve(opts.store)), next);
          return { data: { ...diff }, human: () => formatDiff(diff, `store ${opts.store}`, newFile) };
        }
        if (/^(https|sftp):\/\//i.test(oldRef)) {
          const next = await check(newFile, true);
          const { nodeFromUrl, withNode } = await import('../../transfer/index.js');
          const node = await nodeFromUrl(oldRef, {
            ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
            ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
            ...(opts.identity ? { identity: opts.identity } : {}),
            ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
            ...(opts.passwordEnv ? { passwordEnv: opts.passwordEnv } : {}),
            ...(opts.remoteCommand ? { remoteCommand: opts.remoteCommand } : {}),
            ...(opts.ca ? { ca: opts.ca } : {}),
          });
          const { state } = await withNode(node, (n) => n.content());
          const diff = diffAgainstState(state, next);
          return { data: { ...diff }, human: () => formatDiff(diff, oldRef, newFile) };
        }
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(oldRef)) throw usageError(`OLD must be a bundle file, https://… or sftp://…, not ${oldRef}.`);
        const old = await check(oldRef, true);
        const next = await check(newFile, true);
        const diff = diffBundles(old, next);
        return { data: { ...diff }, human: () => formatDiff(diff, oldRef, newFile) };
      });
    });
}
