/**
 * `posture-stage agent package --out DIR [--key KEY] [--arch x64|arm64] [--from KITDIR]` (interfaces.md):
 * writes the node kit to removable media. Thin: parse flags, call core/kit, print.
 */
import type { Command } from 'commander';
import { collect, progressBar, runCommand, usageError, type ProgressHandle } from '../io.js';
import { KIT_ARCHES, type KitArch } from '../../kit/manifest.js';
import type { KitProgress } from '../../kit/index.js';
import { formatBytes } from '../../format.js';

interface PackageOpts {
  out: string;
  key?: string;
  passphraseEnv?: string;
  arch?: string[];
  from?: string;
  json?: boolean;
}

function parseArches(values: string[] | undefined): KitArch[] | undefined {
  if (!values) return undefined;
  for (const v of values)
    if (!(KIT_ARCHES as readonly string[]).includes(v)) throw usageError(`--arch must be ${KIT_ARCHES.join(' or ')}, not "${v}".`);
  return [...new Set(values)] as KitArch[];
}

/** Registers `agent package` under the `agent` command. */
export function registerAgentPackageCommand(agent: Command): void {
  agent
    .command('package')
    .description(
      'write the node kit (self-contained executable, .deb, .tar.gz with install.sh, SHA256SUMS, INSTALL.txt) to removable media; ' +
        'from a developer clone it builds the kit first (npm run dist:agent), from a kit folder it copies that kit',
    )
    .requiredOption('--out <dir>', 'folder to write the kit into (empty, or holding an earlier kit)')
    .option('--key <file>', 'OpenSSH Ed25519 private key: signs SHA256SUMS (verify: ssh-keygen -Y verify -n posture-stage-kit)')
    .option('--passphrase-env <var>', "environment variable holding the key's passphrase")
    .option('--arch <cpu>', 'x64 or arm64; repeatable (default: every CPU the kit has)', collect)
    .option('--from <dir>', 'copy this kit folder instead of building or using the one beside the executable')
    .option('--json', 'JSON output: the files written with sizes and SHA-256')
    .action(async (opts: PackageOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const arches = parseArches(opts.arch);
        let passphrase: string | undefined;
        if (opts.passphraseEnv) {
          passphrase = process.env[opts.passphraseEnv];
          if (passphrase === undefined) throw usageError(`--passphrase-env ${opts.passphraseEnv}: that environment variable is not set.`);
        }
        let bar: ProgressHandle | null = null;
        const onProgress = (p: KitProgress) => {
          if (p.step === 'copy') {
            bar ??= progressBar('copy', p.total);
            bar.update(p.done, p.total);
          } else if (!opts.json || process.stderr.isTTY) process.stderr.write(`${p.message}\n`);
        };
        try {
          // loaded here: every `agent …` command registers this one, and most never package a kit
          const { packageAgentKit } = await import('../../kit/index.js');
          const r = await packageAgentKit({
            out: opts.out,
            ...(opts.key ? { key: opts.key } : {}),
            ...(passphrase !== undefined ? { passphrase } : {}),
            ...(arches ? { arches } : {}),
            ...(opts.from ? { from: opts.from } : {}),
            onProgress,
          });
          const width = Math.max(...r.files.map((f) => f.file.length));
          return {
            data: { out: r.out, version: r.version, files: r.files, signer: r.signer },
            human: [
              `Node kit ${r.version} written to ${r.out}:`,
              ...r.files.map((f) => `  ${f.file.padEnd(width)}  ${formatBytes(f.size).padStart(9)}  ${f.sha256}`),
              r.signer
                ? `SHA256SUMS signed by ${r.signer.fingerprint} (namespace ${r.signer.namespace}).`
                : 'Not signed: add --key KEY to sign SHA256SUMS.',
              'Next: follow INSTALL.txt on the node (copy, verify, install, open 8443/tcp, then "Add target" in the app).',
            ].join('\n'),
          };
        } finally {
          (bar as ProgressHandle | null)?.stop();
        }
      });
    });
}
