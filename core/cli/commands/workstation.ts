/**
 * The workstation's commands (interfaces.md): `fetch`, `library list|add|export|import`, `push`.
 * Thin: parse flags, call core/feed, core/library, core/transfer, print.
 */
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import ssh2 from 'ssh2';
import { progressBar, runCommand, usageError, type ProgressHandle } from '../io.js';
import { fetchBundle, redactUrl } from '../../feed/index.js';
import { openLibrary, type LibraryEntry } from '../../library/index.js';
import { pushBundle, pushTargets, passwordFrom, type PushEvent, type TargetFlags } from '../../transfer/index.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Asks on the terminal without echo; USAGE when there is no terminal (never a flag value). */
async function promptSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw usageError(`${question.replace(/: $/, '')} is needed but there is no terminal to ask on. Use the matching --…-env VAR option.`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(question);
  out._writeToOutput = () => {};
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
  if (key instanceof Error && /encrypted|passphrase/i.test(key.message)) return promptSecret(`Passphrase for ${identity}: `);
  return undefined;
}

function describeEntry(e: LibraryEntry): string {
  const v = e.inspection.versions;
  return `${e.sha256.slice(0, 16)}  ${String(e.size).padStart(10)}  ${e.addedAt.slice(0, 19)}  ${e.inspection.layout}${v ? `  conditions ${v.conditions}, windows ${v.avasWindows}, mac ${v.avasMac}, linux ${v.avasLinux}, os ${v.supportedOs}` : ''}  ${e.source.url ? redactUrl(e.source.url) : (e.source.path ?? e.source.kind)}`;
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
    .option('--proxy <url>', 'http://[user:pass@]host:port (default: HTTPS_PROXY)')
    .addOption(noProxy)
    .option('--ca <file>', "extra trusted CA (PEM), e.g. a TLS-inspecting proxy's root; repeatable", collect)
    .option('--sha256 <hex>', 'expected SHA-256 of the bundle')
    .option('--out <dir>', 'also copy the stored bundle here')
    .option('--json', 'JSON output')
    .action(
      async (opts: { url?: string; proxy?: string; noProxy?: string; ca?: string[]; sha256?: string; out?: string; json?: boolean }) => {
        process.exitCode = await runCommand(Boolean(opts.json), async () => {
          let bar: ProgressHandle | undefined;
          try {
            const r = await fetchBundle(
              {
                ...(opts.url ? { url: opts.url } : {}),
                ...(opts.proxy ? { proxy: opts.proxy } : {}),
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
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const lib = openLibrary();
        const bundles = await lib.list();
        return {
          data: { library: lib.dir, bundles },
          human: bundles.length === 0 ? `The library at ${lib.dir} is empty.` : bundles.map(describeEntry).join('\n'),
        };
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
        const r = await openLibrary().export(sha, dir, { key: opts.key, ...(passphrase !== undefined ? { passphrase } : {}) });
        return { data: { ...r }, human: `${r.bundle}\n${r.manifest}\n${r.signature}\nsigned by ${r.signer}` };
      });
    });
  library
    .command('import')
    .description('verify what `library export` wrote (signature, hashes, bundle check) and add it')
    .argument('<dir>')
    .option('--trusted-key <file>', "the exporting admin's Ed25519 public key or an allowed_signers file; repeatable", collect)
    .option('--json', 'JSON output')
    .action(async (dir: string, opts: { trustedKey?: string[]; json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const entry = await openLibrary().import(dir, { trustedKeys: opts.trustedKey ?? [] });
        return { data: { ...entry }, human: `Imported (signed by ${entry.source.signer}):\n${describeEntry(entry)}` };
      });
    });

  program
    .command('push')
    .description('check a bundle locally, then push and apply it on one or more nodes')
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
    .option('--json', 'JSON output')
    .action(
      async (
        file: string,
        opts: {
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
          if (needsSsh && !opts.identity && password === undefined) password = await promptSecret('SSH password: ');
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
              process.stderr.write(`${target}: ${e.step}${e.message ? ` — ${e.message}` : ''}\n`);
            }
          };
          try {
            const r = await pushBundle(
              file,
              targets,
              { dryRun: Boolean(opts.dryRun), allowDowngrade: Boolean(opts.allowDowngrade) },
              onEvent,
            );
            const human = r.targets
              .map((t) =>
                t.ok
                  ? `${t.target}: OK${t.dryRun ? ' (dry run)' : ''} — applied ${t.applied.map((a) => `${a.component} ${a.from}→${a.to}`).join(', ') || 'nothing'}${t.skipped.length ? `; skipped ${t.skipped.map((s) => `${s.component} (${s.reason})`).join(', ')}` : ''}`
                  : `${t.target}: FAILED ${t.error?.code}: ${t.error?.message}`,
              )
              .join('\n');
            return { data: { sha256: r.sha256, targets: r.targets }, human, ok: r.ok, exitCode: r.exitCode };
          } finally {
            for (const b of bars.values()) b.stop();
          }
        });
      },
    );
}
