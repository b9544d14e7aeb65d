/**
 * `posture-stage agent …` (interfaces.md "CLI"): the node side. Thin: parse flags, call core/agent, print.
 */
import type { Command } from 'commander';
import { runCommand, progressBar, usageError } from '../io.js';
import { registerAgentPackageCommand } from './package.js';
import {
  initStore,
  startAgentServer,
  applyBundle,
  readStatus,
  readNodeContent,
  verifyStore,
  rollback,
  readHistory,
  listPolicies,
  deletePolicy,
  verifyInboxFile,
  readLogTail,
  formatUpdateInformation,
  type ApplyResult,
} from '../../agent/index.js';

interface StoreOpts {
  store: string;
  json?: boolean;
}

function describeApply(r: ApplyResult): string {
  const lines = [r.dryRun ? `Dry run of bundle ${r.sha256}: nothing was written.` : `Applied bundle ${r.sha256}.`];
  for (const a of r.applied) lines.push(`  ${r.dryRun ? 'would update' : 'updated'} ${a.component}: ${a.from} → ${a.to}`);
  for (const s of r.skipped) lines.push(`  skipped ${s.component}: ${s.version} already installed`);
  if (r.createdDefaults && r.createdDefaults.length > 0)
    lines.push(`  ${r.dryRun ? 'would create' : 'created'} default policies: ${r.createdDefaults.join(', ')}`);
  lines.push('', formatUpdateInformation(r.status));
  return lines.join('\n');
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw usageError(`--listen must be HOST:PORT (e.g. 0.0.0.0:8443), not "${listen}".`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((res) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      res(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Registers `agent init | serve | apply | status | rollback | history | policies | verify | log`. */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('The node side: keep posture content in a store, apply bundles, serve the HTTPS API.');
  registerAgentPackageCommand(agent);

  agent
    .command('init')
    .description('create a node store, a self-signed TLS key/cert and an API token')
    .requiredOption('--store <dir>', 'store directory')
    .option('--name <name>', 'node name (default: host name)')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { name?: string }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const r = await initStore(opts.store, opts.name ? { name: opts.name } : {});
        return {
          data: { store: r.store, fingerprint: r.fingerprint, tokenFile: r.tokenFile },
          human: `${r.created ? 'Created' : 'Already a node store:'} ${r.store}\nTLS fingerprint: ${r.fingerprint}\nAPI token file (0600): ${r.tokenFile}`,
        };
      });
    });

  agent
    .command('serve')
    .description("run the node agent's HTTPS API until SIGINT/SIGTERM")
    .requiredOption('--store <dir>', 'store directory')
    .option('--listen <host:port>', 'address to listen on', '0.0.0.0:8443')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { listen: string }) => {
      let close: (() => Promise<void>) | null = null;
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { host, port } = parseListen(opts.listen);
        const server = await startAgentServer({ store: opts.store, host, port });
        close = server.close;
        return {
          data: { url: server.url, port: server.port, fingerprint: server.fingerprint },
          human: `Node agent listening on ${server.url} (${opts.listen})\nTLS fingerprint: ${server.fingerprint}\nStop with Ctrl-C.`,
        };
      });
      if (close) {
        await waitForSignal();
        await (close as () => Promise<void>)();
      }
    });

  agent
    .command('apply')
    .description("apply a bundle (a path, or a name in the store's inbox/, removed from there once applied) through the same checks")
    .requiredOption('--store <dir>', 'store directory')
    .argument('<file>', 'bundle path or inbox name')
    .option('--dry-run', 'run every check and report what would change; write nothing')
    .option('--allow-downgrade', 'allow components older than installed')
    .option('--who <name>', 'who applies, for history and the log (default: SSH user or OS user)')
    .option('--json', 'JSON output')
    .action(async (file: string, opts: StoreOpts & { dryRun?: boolean; allowDowngrade?: boolean; who?: string }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const bar = progressBar('check', 0);
        try {
          const r = await applyBundle(opts.store, file, {
            dryRun: Boolean(opts.dryRun),
            allowDowngrade: Boolean(opts.allowDowngrade),
            ...(opts.who ? { who: opts.who } : {}),
            onProgress: (p) => bar.update(p.done, p.total),
          });
          return { data: { ...r }, human: () => describeApply(r) };
        } finally {
          bar.stop();
        }
      });
    });

  agent
    .command('status')
    .description("the node's Update Information")
    .requiredOption('--store <dir>', 'store directory')
    .option('--content', 'add the installed content (for diff)')
    .option('--verify', 're-hash installed payloads')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { content?: boolean; verify?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const status = await readStatus(opts.store);
        const content = opts.content ? await readNodeContent(opts.store) : undefined;
        const verified = opts.verify ? await verifyStore(opts.store) : undefined;
        const verify = verified ? { ok: verified.ok, problems: verified.problems } : undefined;
        return {
          data: { ...status, ...(content ? { content } : {}), ...(verify ? { verify } : {}) },
          human:
            formatUpdateInformation(status) +
            (verify ? `\nInstalled payloads: ${verify.ok ? 'all match their checksums' : verify.problems.join('; ')}` : ''),
          ...(verify && !verify.ok ? { ok: false, exitCode: 2 } : {}),
        };
      });
    });

  agent
    .command('rollback')
    .description('restore the state before the last apply')
    .requiredOption('--store <dir>', 'store directory')
    .option('--who <name>', 'who, for history and the log')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { who?: string }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const r = await rollback(opts.store, opts.who ? { who: opts.who } : {});
        return { data: { ...r }, human: `Rolled back.\n\n${formatUpdateInformation(r.status)}` };
      });
    });

  agent
    .command('history')
    .description('every apply attempt, rollback and policy change, newest first')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const updates = await readHistory(opts.store);
        return {
          data: { updates },
          human:
            updates.length === 0
              ? 'No updates yet.'
              : updates
                  .map(
                    (u) =>
                      `${u.at}  ${u.mode.padEnd(13)} ${u.result.padEnd(8)} ${u.who}  ${u.applied.map((a) => `${a.component} ${a.from}→${a.to}`).join(', ') || (u.error ? u.error.code : (u.policy ?? '-'))}`,
                  )
                  .join('\n'),
        };
      });
    });

  const policies = agent
    .command('policies')
    .description('default posture policies, requirements and remediations created by the first update');
  const list = async (opts: StoreOpts) => {
    process.exitCode = await runCommand(Boolean(opts.json), async () => {
      const items = await listPolicies(opts.store);
      return {
        data: { policies: items },
        human: items.length === 0 ? 'No default policies installed.' : items.map((p) => `${p.kind.padEnd(12)} ${p.name}`).join('\n'),
      };
    });
  };
  policies
    .command('list', { isDefault: true })
    .description('list them')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(list);
  policies
    .command('delete')
    .description('delete one (later updates never re-create it)')
    .argument('<name>', 'policy, requirement or remediation name')
    .requiredOption('--store <dir>', 'store directory')
    .option('--who <name>', 'who, for history and the log')
    .option('--json', 'JSON output')
    .action(async (name: string, opts: StoreOpts & { who?: string }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const r = await deletePolicy(opts.store, name, opts.who ? { who: opts.who } : {});
        return {
          data: { ...r },
          human: `Deleted ${r.deleted.map((d) => `${d.kind} ${d.name}`).join(', ')}. Later updates will not re-create it.`,
        };
      });
    });

  agent
    .command('verify')
    .description("size and SHA-256 of a file in the store's inbox/ (used by the SFTP pusher)")
    .requiredOption('--store <dir>', 'store directory')
    .argument('<file>', 'name in inbox/')
    .option('--json', 'JSON output')
    .action(async (file: string, opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const r = await verifyInboxFile(opts.store, file);
        return { data: { ...r }, human: `${r.file}  ${r.size} bytes  sha256 ${r.sha256}` };
      });
    });

  agent
    .command('log')
    .description("the last lines of the node's ise-psc.log")
    .requiredOption('--store <dir>', 'store directory')
    .option('--lines <n>', 'how many lines', '50')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { lines: string }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const n = Number(opts.lines);
        if (!Number.isInteger(n) || n < 0) throw usageError('--lines must be a non-negative integer.');
        const text = await readLogTail(opts.store, n);
        return { data: { lines: text.split('\n').filter(Boolean) }, human: text };
      });
    });
}
