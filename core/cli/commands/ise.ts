/**
 * The workstation's side of ISE (interfaces.md): `handoff SHA256 --from https://node…|sftp://… --out DIR` (a
 * bundle a node keeps for ISE, fetched over the node client and written as the hand-off folder) and
 * `confirm BUNDLE --ise-status FILE [--ise-log FILE]` (did ISE take it?). Thin: parse flags, call core, print.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { collect, progressBar, runCommand, usageError } from '../io.js';
import { verifyIfLibraryCopy } from '../library-copy.js';
import { describeHandoff, handoffData } from '../format/handoff.js';
import { escapeDeep } from '../format/escape.js';
import { checkBundle } from '../../bundle/index.js';
import { CoreError } from '../../errors.js';
import { confirmIse, formatConfirm, localDate, MAX_STATUS_BYTES, preparedTimeOf, HANDOFF_TEXT, writeHandoff } from '../../ise/index.js';

interface NodeFlags {
  tokenFile?: string;
  fingerprint?: string;
  ca?: string[];
  identity?: string;
  passwordEnv?: string;
  hostKey?: string;
  knownHosts?: string[];
  remoteCommand?: string;
}

/** `--since`: "YYYY-MM-DD HH:MM[:SS]" in local time (ISE's), or ISO 8601 with a zone. */
function parseSince(text: string): Date {
  const local = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(text) ? localDate(text.length === 16 ? `${text}:00` : text) : null;
  const d = local ?? (/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? new Date(text) : null);
  if (!d || Number.isNaN(d.getTime()))
    throw usageError(`--since must be a time like "2025-03-13 14:10" (ISE's local time) or ISO 8601 with a zone, not "${text}".`);
  return d;
}

/** A small text file from the admin (the pasted Update Information): bounded before it is read. */
async function readBounded(file: string, max: number, what: string): Promise<string> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new CoreError('NOT_FOUND', `${what} ${file} does not exist.`, { file });
  if (st.size > max)
    throw usageError(
      `${what} ${file} is ${st.size} bytes; Update Information is a few lines (at most ${max} bytes). Paste only that block.`,
    );
  return readFile(file, 'utf8');
}

/** The hand-off time: --since, else the Prepared line of a HANDOFF.txt beside the bundle that names this bundle. */
async function sinceFor(bundle: string, sha256: string, flag: string | undefined) {
  if (flag) return { at: parseSince(flag), source: '--since' as const };
  const text = await readFile(join(dirname(bundle), HANDOFF_TEXT), 'utf8').catch(() => null);
  const at = text && text.includes(sha256) ? preparedTimeOf(text) : null;
  return at ? { at, source: 'HANDOFF.txt' as const } : null;
}

/** Registers `handoff` and `confirm`. */
export function registerIseCommands(program: Command): void {
  program
    .command('handoff')
    .description(
      "fetch a bundle a staging node keeps for ISE and write posture-offline.zip (re-verified), posture-offline.zip.sha256 and HANDOFF.txt (ISE's GUI steps on the PAN) to DIR",
    )
    .argument('<sha256>', 'the bundle (as the node lists it: `agent staged`; a unique prefix of 8+ hex digits will do)')
    .requiredOption('--from <url>', 'the node: https://host[:8443] or sftp://user@host[:22]/store-path')
    .requiredOption('--out <dir>', 'folder to write to (never overwrites a different file)')
    .option('--deployment <pan>', 'the ISE deployment it is for: the host name of its Primary Administration Node')
    .option('--token-file <file>', 'agent API token (https)')
    .option('--fingerprint <sha256>', "pin the agent's TLS certificate (SHA256:… as `agent init` prints)")
    .option('--ca <file>', "trusted CA for the agent's certificate; repeatable", collect)
    .option('--identity <key>', 'SSH private key (sftp; passphrase from POSTURE_STAGE_KEY_PASSPHRASE)')
    .option('--password-env <var>', 'environment variable holding the SSH password (sftp)')
    .option('--host-key <sha256>', 'expected SSH host key, SHA256:… (else known_hosts)')
    .option('--known-hosts <file>', 'known_hosts file to use instead of ~/.ssh/known_hosts; repeatable', collect)
    .option('--remote-command <cmd>', 'posture-stage on the node (sftp)', 'posture-stage')
    .option('--json', 'JSON output')
    .action(async (sha: string, opts: NodeFlags & { from: string; out: string; deployment?: string; json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const want = sha.toLowerCase();
        if (!/^[0-9a-f]{8,64}$/.test(want)) throw usageError(`"${sha}" is not a bundle SHA-256 (64 hex digits, or a unique prefix of 8+).`);
        const { nodeFromUrl, withNode, displayOf, parseTarget } = await import('../../transfer/index.js');
        const node = await nodeFromUrl(opts.from, {
          remoteCommand: opts.remoteCommand,
          ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
          ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
          ...(opts.ca ? { ca: opts.ca } : {}),
          ...(opts.identity ? { identity: opts.identity } : {}),
          ...(opts.passwordEnv ? { passwordEnv: opts.passwordEnv } : {}),
          ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
          ...(opts.knownHosts ? { knownHosts: opts.knownHosts } : {}),
        });
        const display = displayOf(parseTarget(opts.from));
        const out = resolve(opts.out);
        await mkdir(out, { recursive: true }).catch((e: Error) => {
          throw usageError(`Cannot create the folder ${out} (${e.message}). Choose another --out.`);
        });
        const r = await withNode(node, async (n) => {
          const kept = await n.staged();
          const found = kept.filter((k) => k.sha256.startsWith(want));
          if (found.length !== 1 || !found[0])
            throw new CoreError(
              found.length > 1 ? 'USAGE' : 'NOT_FOUND',
              found.length > 1
                ? `${sha} matches ${found.length} bundles kept on ${display}; give more of the SHA-256.`
                : `${display} keeps no bundle ${sha} for ISE (${kept.length} kept). List them with \`posture-stage agent staged\` on the node.`,
              { sha256: sha, node: display },
            );
          const k = found[0];
          const name = (await n.status()).name;
          const tmp = join(out, `.posture-offline.zip.download-${randomBytes(4).toString('hex')}`);
          const bar = progressBar('download', k.size);
          try {
            await n.download({ sha256: k.sha256, size: k.size, to: tmp, onProgress: (done, total) => bar.update(done, total) });
          } finally {
            bar.stop();
          }
          try {
            return await writeHandoff(
              {
                file: tmp,
                move: true,
                sha256: k.sha256,
                source: `node ${name ?? display} at ${display} (${k.outcome} ${k.stagedAt} by ${k.by})`,
                signer: k.signer ?? null,
                deployment: opts.deployment ?? null,
              },
              out,
            );
          } finally {
            await rm(tmp, { force: true });
          }
        });
        return { data: handoffData(r), human: describeHandoff(r) };
      });
    });

  program
    .command('confirm')
    .description(
      "judge whether ISE took a bundle: ISE's Update Information as pasted from its GUI, and optionally its ise-psc.log; exit 0 only when ISE shows every component",
    )
    .argument('<bundle>', 'the bundle handed off (posture-offline.zip)')
    .requiredOption(
      '--ise-status <file>',
      "a text file with ISE's Update Information block, copied from Administration > System > Settings > Posture > Updates",
    )
    .option('--ise-log <file>', 'ise-psc.log downloaded from the PAN (Operations > Troubleshooting > Download Logs); read as a stream')
    .option('--since <time>', "the hand-off time, in ISE's local time (default: the Prepared line of HANDOFF.txt beside the bundle)")
    .option('--json', 'JSON output')
    .action(async (file: string, opts: { iseStatus: string; iseLog?: string; since?: string; json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        await verifyIfLibraryCopy(file);
        const { inspection } = await checkBundle(resolve(file), { fileName: basename(file) });
        const status = await readBounded(opts.iseStatus, MAX_STATUS_BYTES, 'The ISE status file');
        if (opts.iseLog) {
          const st = await stat(opts.iseLog).catch(() => null);
          if (!st?.isFile()) throw new CoreError('NOT_FOUND', `The log ${opts.iseLog} does not exist.`, { file: opts.iseLog });
        }
        const report = await confirmIse({
          inspection,
          status,
          since: await sinceFor(resolve(file), inspection.sha256, opts.since),
          ...(opts.iseLog ? { log: { name: basename(opts.iseLog), bytes: createReadStream(opts.iseLog) } } : {}),
        });
        const taken = report.verdict === 'taken';
        return { data: { ...report }, human: () => formatConfirm(escapeDeep(report)), ok: taken, exitCode: taken ? 0 : 2 };
      });
    });
}
