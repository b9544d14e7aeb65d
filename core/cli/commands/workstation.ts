/**
 * The workstation's commands (interfaces.md): `fetch`, `library list|add|export|import|remove`, `push`.
 * Thin: parse flags, call core/feed, core/library, core/transfer, print.
 */
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import ssh2 from 'ssh2';
import { byteProgress, progressBar, runCommand, usageError, type ProgressHandle } from '../io.js';
import { libraryCustodyOf, verifyIfLibraryCopy } from '../library-copy.js';
import { escapeDeep, escapeForTerminal, escapeText } from '../format/escape.js';
import { fetchBundle, proxyCredentials, redactUrl } from '../../feed/index.js';
import { openLibrary, type LibraryEntry } from '../../library/index.js';
import { pushBundle, pushTargets, passwordFrom, type PushEvent, type TargetFlags, type TargetResult } from '../../transfer/index.js';
import { custodyDocumentFor, parseCustodyDocument, type CustodyDocument } from '../../custody/document.js';
import { formatBytes, formatTime } from '../../format.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Asks on the terminal without echo; USAGE when there is no terminal (never a flag value). */
async function promptSecret(question: string, envFlag = 'the matching --…-env'): Promise<string> {
  if (!process.stdin.isTTY)
    throw usageError(`${question.replace(/: $/, '')} is needed but there is no terminal to ask on. Use ${envFlag} VAR.`);
  // readline echoes what is typed to its output: this one shows nothing. The terminal leaves cooked mode (its
  // own echo) when the interface is made, so the question is shown only after that: nothing typed is echoed.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  process.stderr.write(question);
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/** The key's passphrase: env var, else a prompt when the key is encrypted. */
async function passphraseFor(identity: string | undefined, env: string | undefined): Promise<string | undefined> {
  if (env) {
    const v = process.env[env];
    if (v === undefined) throw usageError(`--passphrase-env ${env}: that environment variable is not set.`);
    return v;
  }
  if (!identity) return undefined;
  const key = ssh2.utils.parseKey(await readFile(identity).catch(() => Buffer.alloc(0)));
  if (key instanceof Error && /encrypted|passphrase/i.test(key.message))
    return promptSecret(`Passphrase for ${identity}: `, '--passphrase-env');
  return undefined;
}

/**
 * The proxy password: never from the command line. A password inside --proxy is refused (`ps` and the shell
 * history would show it); it comes from --proxy-password-env VAR, else a prompt when --proxy names a user.
 */
async function proxyPasswordFor(proxy: string | undefined, env: string | undefined): Promise<string | undefined> {
  const creds = proxy === undefined ? undefined : proxyCredentials(proxy);
  if (creds?.hasPassword)
    throw usageError(
      `Do not put the proxy password in --proxy: every user of this computer can read the command line, and the shell keeps it in its history. Give --proxy http://${creds.user || 'USER'}@host:port and the password with --proxy-password-env VAR (or let fetch ask for it).`,
    );
  if (env) {
    const v = process.env[env];
    if (v === undefined) throw usageError(`--proxy-password-env ${env}: that environment variable is not set.`);
    return v;
  }
  if (creds?.user) return promptSecret(`Proxy password for ${creds.user}: `, '--proxy-password-env');
  return undefined;
}

function describeEntry(entry: LibraryEntry): string {
  const e = escapeDeep(entry);
  const v = e.inspection.versions;
  return `${e.sha256.slice(0, 16)}  ${formatBytes(e.size).padStart(9)}  ${formatTime(e.addedAt)}  ${e.inspection.layout}${v ? `  conditions ${v.conditions}, windows ${v.avasWindows}, mac ${v.avasMac}, linux ${v.avasLinux}, os ${v.supportedOs}` : ''}  ${e.source.url ? redactUrl(e.source.url) : (e.source.path ?? e.source.kind)}`;
}

/** One target of a push, for humans: what the node did (interfaces.md `outcome`). */
function describeTarget(t: TargetResult): string {
  if (!t.ok) return `${t.target}: REFUSED ${t.error?.code}: ${t.error?.message}`;
  const dry = t.dryRun ? ' (dry run: nothing was written)' : '';
  const signed = t.custody?.signer ? ` — custody verified: signed by ${t.custody.signer.comment || t.custody.signer.fingerprint}` : '';
  if (t.outcome === 'staged')
    return `${t.target}: STAGED${dry} — layout not recognised: kept on the node as a verified file for upload to ISE, not applied (versions cannot be compared)${t.staged?.already ? '; it was already staged' : ''}${signed}. Hand it off: posture-stage handoff ${t.sha256} --from ${t.target} --out DIR`;
  const applied = t.applied.map((a) => `${a.component} ${a.from}→${a.to}`).join(', ');
  const skipped = t.skipped.length ? `; skipped ${t.skipped.map((s) => `${s.component} (${s.reason})`).join(', ')}` : '';
  return t.outcome === 'skipped'
    ? `${t.target}: SKIPPED${dry} — nothing newer to apply${skipped}${signed}`
    : `${t.target}: APPLIED${dry} — ${applied}${skipped}${signed}`;
}

/** `push --custody`: the folder `library export` wrote, its .transfer.json, or a custody document (.custody.json). */
async function custodyFromFlag(source: string): Promise<CustodyDocument> {
  if (source.endsWith('.custody.json')) {
    let json: unknown = null;
    try {
      json = JSON.parse(await readFile(source, 'utf8'));
    } catch {
      throw usageError(`Cannot read the custody document ${source}.`);
    }
    return parseCustodyDocument(json);
  }
  return (await custodyDocumentFor(source)).document;
}

export function registerWorkstationCommands(program: Command): void {
  const noProxy = new Option('--no-proxy <hosts>', 'hosts that bypass the proxy (comma list, like NO_PROXY)');
  // commander treats --no-X as a negation of --X; this one carries a value of its own
  noProxy.negate = false;
  noProxy.attributeName = () => 'noProxy';

  program
    .command('fetch')
    .description("download posture-offline.zip (default: Cisco's), verify it and add it to the library")
    .option('--url <url>', 'bundle URL, or an Atom feed URL (posture-update.xml)')
    .option('--proxy <url>', 'http://[user@]host:port (default: HTTPS_PROXY); the password is asked, or read with --proxy-password-env')
    .option('--proxy-password-env <var>', "environment variable holding the proxy user's password (never on the command line)")
    .addOption(noProxy)
    .option('--allow-http', 'allow a plain http:// URL (unencrypted; pin it with --sha256); a redirect from https to http stays refused')
    .option('--ca <file>', "extra trusted CA (PEM), e.g. a TLS-inspecting proxy's root; repeatable", collect)
    .option('--sha256 <hex>', 'expected SHA-256 of the bundle')
    .option('--out <dir>', 'also copy the stored bundle here')
    .option('--json', 'JSON output')
    .action(
      async (opts: {
        url?: string;
        proxy?: string;
        proxyPasswordEnv?: string;
        noProxy?: string;
        allowHttp?: boolean;
        ca?: string[];
        sha256?: string;
        out?: string;
        json?: boolean;
      }) => {
        process.exitCode = await runCommand(Boolean(opts.json), async () => {
          const proxyPassword = await proxyPasswordFor(opts.proxy, opts.proxyPasswordEnv);
          let bar: ProgressHandle | undefined;
          try {
            const r = await fetchBundle(
              {
                ...(opts.url ? { url: opts.url } : {}),
                ...(opts.proxy ? { proxy: opts.proxy } : {}),
                ...(proxyPassword !== undefined ? { proxyPassword } : {}),
                ...(opts.allowHttp ? { allowHttp: true } : {}),
                ...(opts.noProxy ? { noProxy: opts.noProxy } : {}),
                ...(opts.ca ? { ca: opts.ca } : {}),
                ...(opts.sha256 ? { sha256: opts.sha256 } : {}),
                ...(opts.out ? { out: opts.out } : {}),
              },
              (p) => {
                if (p.phase !== 'download' || p.retryInMs !== undefined) return;
                bar ??= progressBar('download', p.total ?? 0);
                bar.update(p.done, p.total);
              },
            );
            return {
              data: {
                path: r.path,
                sha256: r.sha256,
                size: r.size,
                url: r.url,
                resumed: r.resumed,
                tlsFingerprint: r.tlsFingerprint ?? null,
                proxy: r.proxy,
                ...(r.out ? { out: r.out } : {}),
                inspection: r.entry.inspection,
              },
              human: `${r.path}\n  ${r.size} bytes, sha256 ${r.sha256}${r.resumed ? ' (resumed)' : ''}\n  from ${r.url}${r.proxy ? ` via ${r.proxy}` : ''}${r.tlsFingerprint ? `\n  TLS ${r.tlsFingerprint}` : ''}`,
            };
          } finally {
            bar?.stop();
          }
        });
      },
    );

  const library = program.command('library').description("the workstation's bundle library ($POSTURE_STAGE_HOME)");
  library
    .command('list')
    .description('bundles in the library, newest first')
    .option('--verify', 'hash every copy again and mark the damaged ones (exit 2 when any is)')
    .option('--json', 'JSON output')
    .action(async (opts: { verify?: boolean; json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const lib = openLibrary();
        let bundles: LibraryEntry[];
        if (opts.verify) {
          const total = (await lib.list()).reduce((n, e) => n + e.size, 0);
          const progress = byteProgress('verifying', total);
          try {
            bundles = await lib.list({ verify: true, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) });
          } finally {
            progress.stop();
          }
        } else bundles = await lib.list();
        const damaged = bundles.filter((b) => b.verified === false);
        const lines = bundles.map((b) => (b.verified === false ? `DAMAGED  ${describeEntry(b)}` : describeEntry(b)));
        if (opts.verify)
          lines.push(
            damaged.length === 0
              ? `All ${bundles.length} copies verified.`
              : `${damaged.length} of ${bundles.length} copies are damaged (their bytes changed after they were checked); fetch, add or import them again, or remove them with \`posture-stage library remove SHA256\`.`,
          );
        return {
          data: { library: lib.dir, bundles, ...(opts.verify ? { damaged: damaged.map((b) => b.sha256) } : {}) },
          human: bundles.length === 0 ? `The library at ${lib.dir} is empty.` : lines.join('\n'),
          ok: damaged.length === 0,
        };
      });
    });
  library
    .command('remove')
    .description('remove a bundle (and its metadata) from the library; damaged copies too')
    .argument('<sha256>', 'the SHA-256 or a unique prefix of at least 8 hex digits')
    .option('--json', 'JSON output')
    .action(async (sha: string, opts: { json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const removed = await openLibrary().remove(sha);
        return { data: { removed }, human: `Removed ${removed.sha256} (${removed.name}, ${removed.size} bytes).` };
      });
    });
  library
    .command('add')
    .description('check a bundle and add it')
    .argument('<file>')
    .option('--json', 'JSON output')
    .action(async (file: string, opts: { json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const entry = await openLibrary().add(file, { kind: 'file', path: file });
        return { data: { ...entry }, human: `${entry.path}\n${describeEntry(entry)}` };
      });
    });
  library
    .command('export')
    .description("write a bundle, its transfer manifest and the manifest's signature to DIR (removable media)")
    .argument('<sha256>')
    .argument('<dir>')
    .requiredOption(
      '--key <file>',
      'your OpenSSH Ed25519 private key (signs the manifest; verify with ssh-keygen -Y verify -n posture-stage)',
    )
    .option('--passphrase-env <var>', "environment variable holding the key's passphrase (else asked)")
    .option('--json', 'JSON output')
    .action(async (sha: string, dir: string, opts: { key: string; passphraseEnv?: string; json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const passphrase = await passphraseFor(opts.key, opts.passphraseEnv);
        const lib = openLibrary();
        const progress = byteProgress('export', (await lib.lookup(sha)).size);
        let r;
        try {
          r = await lib.export(sha, dir, {
            key: opts.key,
            ...(passphrase !== undefined ? { passphrase } : {}),
            ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
          });
        } finally {
          progress.stop();
        }
        return { data: { ...r }, human: `${r.bundle}\n${r.manifest}\n${r.signature}\nsigned by ${r.signer}` };
      });
    });
  library
    .command('import')
    .description('verify what `library export` wrote (signature, no replay, hashes, bundle check) and add it')
    .argument('<dir>')
    .option('--trusted-key <file>', "the exporting admin's Ed25519 public key or an allowed_signers file; repeatable", collect)
    .option('--allow-replay', 'accept a manifest signed before the newest one this library accepted from the same key')
    .option('--json', 'JSON output')
    .action(async (dir: string, opts: { trustedKey?: string[]; allowReplay?: boolean; json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const entry = await openLibrary().import(dir, { trustedKeys: opts.trustedKey ?? [], allowReplay: Boolean(opts.allowReplay) });
        return { data: { ...entry }, human: `Imported (signed by ${entry.source.signer}):\n${describeEntry(entry)}` };
      });
    });

  program
    .command('push')
    .description(
      'check a bundle locally, then push it to one or more staging nodes: applied there (reference layout), or staged for ISE (layout not recognised)',
    )
    .argument('<file>')
    .requiredOption('--to <url>', 'https://host[:8443] or sftp://user@host[:22]/store-path; repeatable', collect)
    .option('--token-file <file>', 'agent API token (HTTPS)')
    .option('--fingerprint <sha256>', "pin the agent's TLS certificate (SHA256:… as `agent init` prints)")
    .option('--ca <file>', "trusted CA for the agent's certificate; repeatable", collect)
    .option('--identity <key>', 'SSH private key (SFTP)')
    .option('--passphrase-env <var>', "environment variable holding the key's passphrase (else asked)")
    .option('--password-env <var>', 'environment variable holding the SSH password (else asked when no key)')
    .option('--host-key <sha256>', 'expected SSH host key, SHA256:… (else known_hosts)')
    .option('--known-hosts <file>', 'known_hosts file to use instead of ~/.ssh/known_hosts; repeatable', collect)
    .option('--remote-command <cmd>', 'posture-stage on the node', 'posture-stage')
    .option('--dry-run', 'check and report on the node; change nothing')
    .option('--allow-downgrade', 'allow components older than installed')
    .option(
      '--custody <dir|file>',
      "the bundle's signed transfer manifest (the folder `library export` wrote, its .transfer.json, or a .custody.json), sent before the bundle; default: the one the library keeps for a library copy",
    )
    .option('--json', 'JSON output')
    .action(
      async (
        file: string,
        opts: {
          custody?: string;
          to: string[];
          tokenFile?: string;
          fingerprint?: string;
          ca?: string[];
          identity?: string;
          passphraseEnv?: string;
          passwordEnv?: string;
          hostKey?: string;
          knownHosts?: string[];
          remoteCommand: string;
          dryRun?: boolean;
          allowDowngrade?: boolean;
          json?: boolean;
        },
      ) => {
        process.exitCode = await runCommand(Boolean(opts.json), async () => {
          const needsSsh = opts.to.some((t) => t.startsWith('sftp:'));
          const passphrase = needsSsh ? await passphraseFor(opts.identity, opts.passphraseEnv) : undefined;
          let password = needsSsh ? passwordFrom({ ...(opts.passwordEnv ? { passwordEnv: opts.passwordEnv } : {}) }) : undefined;
          if (needsSsh && !opts.identity && password === undefined) password = await promptSecret('SSH password: ', '--password-env');
          const flags: TargetFlags = {
            remoteCommand: opts.remoteCommand,
            ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
            ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
            ...(opts.ca ? { ca: opts.ca } : {}),
            ...(opts.identity ? { identity: opts.identity } : {}),
            ...(passphrase !== undefined ? { passphrase } : {}),
            ...(password !== undefined ? { password } : {}),
            ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
            ...(opts.knownHosts ? { knownHosts: opts.knownHosts } : {}),
          };
          const targets = pushTargets(opts.to, flags);
          const bars = new Map<string, ProgressHandle>();
          const single = opts.to.length === 1;
          const onEvent = (target: string, e: PushEvent) => {
            if (e.step === 'upload' && single) {
              let bar = bars.get(target);
              if (!bar) {
                bar = progressBar('upload', e.total ?? 0);
                bars.set(target, bar);
              }
              bar.update(e.done ?? 0, e.total);
            } else if (e.step !== 'upload' && (process.stderr.isTTY || process.env.POSTURE_STAGE_PROGRESS === '1')) {
              if (e.step !== 'check') bars.get(target)?.stop();
              process.stderr.write(escapeText(`${target}: ${e.step}${e.message ? ` — ${escapeForTerminal(e.message)}` : ''}`) + '\n');
            }
          };
          try {
            // a bundle pushed straight from the library is hashed again first (LIBRARY_DAMAGED, not a network error)
            await verifyIfLibraryCopy(file);
            const custody = opts.custody ? await custodyFromFlag(opts.custody) : await libraryCustodyOf(file);
            const r = await pushBundle(
              file,
              targets,
              { dryRun: Boolean(opts.dryRun), allowDowngrade: Boolean(opts.allowDowngrade), ...(custody ? { custody } : {}) },
              onEvent,
            );
            // what a node answers (errors, component names) is printed escaped like anything from a bundle
            const human = escapeDeep(r.targets).map(describeTarget).join('\n');
            return { data: { sha256: r.sha256, targets: r.targets }, human, ok: r.ok, exitCode: r.exitCode };
          } finally {
            for (const b of bars.values()) b.stop();
          }
        });
      },
    );
}
