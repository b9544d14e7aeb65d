/**
 * `posture-stage agent …` (interfaces.md "CLI"): the node side. Thin: parse flags, call core/agent, print.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { runCommand, progressBar, usageError } from '../io.js';
import { registerAgentPackageCommand } from './package.js';
import { describeHandoff, handoffData } from '../format/handoff.js';
import { CoreError } from '../../errors.js';
import { formatTime } from '../../format.js';
import type { ApplyResult, KeptState, TrustedSigner, formatUpdateInformation as FormatUpdateInformation } from '../../agent/index.js';

/**
 * The node's core, loaded when a command runs: `agent verify --follow`, which a pusher starts on the node
 * during every SFTP upload, then loads only the inbox (not the HTTPS server, TLS generation or the check).
 */
const agentCore = () => import('../../agent/index.js');

interface StoreOpts {
  store: string;
  json?: boolean;
}

function describeApply(r: ApplyResult, formatUpdateInformation: typeof FormatUpdateInformation): string {
  if (r.outcome === 'staged') {
    const lines = [
      r.dryRun
        ? `Dry run of bundle ${r.sha256}: layout not recognised — it would be staged for upload to ISE (versions cannot be compared); nothing was written.`
        : r.staged?.already
          ? `Bundle ${r.sha256} is already staged (since ${r.staged.stagedAt}); nothing changed.`
          : `Staged bundle ${r.sha256} for upload to ISE: layout not recognised, versions cannot be compared; it was not applied.`,
    ];
    if (!r.dryRun) lines.push(`Hand it off: posture-stage agent handoff ${r.sha256} --store DIR --out DIR`);
    lines.push('', formatUpdateInformation(r.status));
    return lines.join('\n');
  }
  const lines = [r.dryRun ? `Dry run of bundle ${r.sha256}: nothing was written.` : `Applied bundle ${r.sha256}.`];
  for (const a of r.applied) lines.push(`  ${r.dryRun ? 'would update' : 'updated'} ${a.component}: ${a.from} → ${a.to}`);
  for (const s of r.skipped) lines.push(`  skipped ${s.component}: ${s.version} already installed`);
  if (r.createdDefaults && r.createdDefaults.length > 0)
    lines.push(`  ${r.dryRun ? 'would create' : 'created'} default policies: ${r.createdDefaults.join(', ')}`);
  lines.push('', formatUpdateInformation(r.status));
  return lines.join('\n');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function keepStatesFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,3}$/.test(v)) throw usageError(`--keep-states must be a whole number (2–100), not "${v}".`);
  return Number(v);
}

const describeSigner = (s: TrustedSigner) => `${s.fingerprint}  ${s.comment || '(no comment)'}  added ${s.addedAt}`;

const describeState = (s: KeptState) =>
  `${String(s.step).padStart(2)}  ${formatTime(s.createdAt)}  ${s.origin.padEnd(13)} ${s.bundleSha256 ?? '(no bundle)'}  conditions ${s.versions.conditions}`;

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

/** The non-negative integers on `input`, one a line (what `agent verify --follow` is told by the pusher). */
async function* offsetsOn(input: NodeJS.ReadableStream): AsyncGenerator<number> {
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (/^\d{1,15}$/.test(line.trim())) yield Number(line.trim());
  }
}

/** Registers `agent init | serve | apply | status | rollback | states | history | policies | verify | log | token | signers`. */
export function registerAgentCommands(program: Command): void {
  const agent = program
    .command('agent')
    .description(
      "The staging node (a Linux host in ISE's zone, never the ISE appliance): keep posture content in a store, apply or stage bundles for ISE, serve the HTTPS API.",
    );
  registerAgentPackageCommand(agent);

  agent
    .command('init')
    .description('create a node store, a self-signed TLS key/cert and an API token')
    .requiredOption('--store <dir>', 'store directory')
    .option('--name <name>', 'node name (default: host name)')
    .option('--keep-states <n>', 'states kept for rollback, the current one included (default 5; on an existing store: changes it)')
    .option(
      '--trusted-signer <key.pub>',
      'apply only bundles whose transfer manifest this Ed25519 key signed (repeatable; on an existing store: adds it)',
      collect,
    )
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { name?: string; keepStates?: string; trustedSigner?: string[] }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { initStore } = await agentCore();
        const keepStates = keepStatesFlag(opts.keepStates);
        const r = await initStore(opts.store, {
          ...(opts.name ? { name: opts.name } : {}),
          ...(keepStates !== undefined ? { keepStates } : {}),
          ...(opts.trustedSigner ? { trustedSigners: opts.trustedSigner } : {}),
        });
        return {
          data: { store: r.store, fingerprint: r.fingerprint, tokenFile: r.tokenFile, keepStates: r.keepStates, signers: r.signers },
          human: [
            `${r.created ? 'Created' : 'Already a node store:'} ${r.store}`,
            `TLS fingerprint: ${r.fingerprint}`,
            `API token file (0600, token "admin"): ${r.tokenFile}`,
            `States kept for rollback: ${r.keepStates} (current included)`,
            r.signers.length > 0
              ? `Trusted signers (only bundles signed by one of them are applied):\n${r.signers.map((x) => '  ' + describeSigner(x)).join('\n')}`
              : 'Trusted signers: none (any bundle that passes the checks is applied)',
          ].join('\n'),
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
        const { startAgentServer } = await agentCore();
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
    .option(
      '--custody <file>',
      "the bundle's custody document or .transfer.json (default: inbox/<sha256>.custody.json, or the manifest beside FILE)",
    )
    .option('--allow-replay', 'accept a signed manifest older than the newest one this node accepted')
    .option('--who <name>', 'who applies, for history and the log (default: SSH user or OS user)')
    .option('--json', 'JSON output')
    .action(
      async (
        file: string,
        opts: StoreOpts & { dryRun?: boolean; allowDowngrade?: boolean; who?: string; custody?: string; allowReplay?: boolean },
      ) => {
        process.exitCode = await runCommand(Boolean(opts.json), async () => {
          const { applyBundle, formatUpdateInformation } = await agentCore();
          const bar = progressBar('check', 0);
          try {
            const r = await applyBundle(opts.store, file, {
              dryRun: Boolean(opts.dryRun),
              allowDowngrade: Boolean(opts.allowDowngrade),
              allowReplay: Boolean(opts.allowReplay),
              ...(opts.custody ? { custody: opts.custody } : {}),
              ...(opts.who ? { who: opts.who } : {}),
              onProgress: (p) => bar.update(p.done, p.total),
            });
            return { data: { ...r }, human: () => describeApply(r, formatUpdateInformation) };
          } finally {
            bar.stop();
          }
        });
      },
    );

  agent
    .command('status')
    .description("the node's Update Information")
    .requiredOption('--store <dir>', 'store directory')
    .option('--content', 'add the installed content (for diff)')
    .option('--verify', 're-hash installed payloads')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { content?: boolean; verify?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { readStatus, readNodeContent, verifyStore, formatUpdateInformation, listStaged, formatStaged } = await agentCore();
        const status = await readStatus(opts.store);
        const content = opts.content ? await readNodeContent(opts.store) : undefined;
        const verified = opts.verify ? await verifyStore(opts.store) : undefined;
        const verify = verified ? { ok: verified.ok, problems: verified.problems } : undefined;
        const staged = await listStaged(opts.store);
        return {
          data: { ...status, staged, ...(content ? { content } : {}), ...(verify ? { verify } : {}) },
          human:
            formatUpdateInformation(status) +
            (verify ? `\nInstalled payloads: ${verify.ok ? 'all match their checksums' : verify.problems.join('; ')}` : '') +
            `\n\n${formatStaged(staged)}`,
          ...(verify && !verify.ok ? { ok: false, exitCode: 2 } : {}),
        };
      });
    });

  agent
    .command('staged')
    .description('bundles kept on the node for ISE, newest first: unknown-layout bundles staged (never applied) and applied ones')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { listStaged, formatStaged } = await agentCore();
        const staged = await listStaged(opts.store);
        return { data: { staged }, human: formatStaged(staged) };
      });
    });

  agent
    .command('handoff')
    .description(
      'write a kept bundle for ISE to DIR: posture-offline.zip (re-verified), posture-offline.zip.sha256 and HANDOFF.txt (the GUI steps on the PAN)',
    )
    .argument('<sha256>', 'the bundle (as `agent staged` lists it; a unique prefix of 8+ hex digits will do)')
    .requiredOption('--store <dir>', 'store directory')
    .requiredOption('--out <dir>', 'folder to write to (never overwrites a different file)')
    .option('--deployment <pan>', 'the ISE deployment it is for: the host name of its Primary Administration Node')
    .option('--json', 'JSON output')
    .action(async (sha: string, opts: StoreOpts & { out: string; deployment?: string }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { readStatus, findStaged } = await agentCore();
        const { writeHandoff } = await import('../../ise/index.js');
        const kept = await findStaged(opts.store, sha);
        const node = (await readStatus(opts.store)).name;
        const bar = progressBar('handoff', kept.size);
        let r;
        try {
          r = await writeHandoff(
            {
              file: kept.path,
              sha256: kept.sha256,
              source: `node ${node ?? opts.store} (${kept.outcome === 'staged' ? 'staged' : kept.outcome} ${kept.stagedAt} by ${kept.by})`,
              signer: kept.signer ?? null,
              deployment: opts.deployment ?? null,
              mismatch: (actual) =>
                new CoreError(
                  'STORE_CORRUPT',
                  `The node's copy staged/${kept.sha256}.zip no longer has its SHA-256 (it has ${actual}); nothing was handed off. Push or apply the bundle again.`,
                  { expected: kept.sha256, actual, store: opts.store },
                ),
              onProgress: (done, total) => bar.update(done, total),
            },
            opts.out,
          );
        } finally {
          bar.stop();
        }
        return { data: handoffData(r), human: describeHandoff(r) };
      });
    });

  agent
    .command('rollback')
    .description('restore the state before the last apply, or an older kept state (see `agent states`)')
    .requiredOption('--store <dir>', 'store directory')
    .option('--to <N|sha256>', "steps back (1 = before the last apply), or the SHA-256 of a kept state's bundle")
    .option('--who <name>', 'who, for history and the log')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { who?: string; to?: string }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { rollback, formatUpdateInformation, parseRollbackTarget } = await agentCore();
        const to = parseRollbackTarget(opts.to);
        const r = await rollback(opts.store, { ...(opts.who ? { who: opts.who } : {}), ...(to !== undefined ? { to } : {}) });
        return {
          data: { ...r },
          human: `Rolled back ${r.steps === 1 ? 'one state' : `${r.steps} states`}.\n\n${formatUpdateInformation(r.status)}`,
        };
      });
    });

  agent
    .command('states')
    .description('the current state and the ones kept for rollback, newest first')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { listStates } = await agentCore();
        const r = await listStates(opts.store);
        return {
          data: { ...r },
          human: [
            `step  created                   origin        bundle (keeps ${r.keepStates} states)`,
            describeState(r.current) + '  ← current',
            ...r.kept.map(describeState),
            ...(r.kept.length === 0 ? ['(nothing to roll back to)'] : []),
          ].join('\n'),
        };
      });
    });

  agent
    .command('history')
    .description('every apply attempt, rollback and policy change, newest first')
    .requiredOption('--store <dir>', 'store directory')
    .option('--verify', 'check the hash chain of history.jsonl instead; exit 2 at a broken link')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts & { verify?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { readHistory, verifyHistory } = await agentCore();
        if (opts.verify) {
          const v = await verifyHistory(opts.store);
          const summary = `${v.lines} lines: ${v.chained} chained, ${v.unchained} from before chaining${v.torn.length > 0 ? `, torn by a crash: line ${v.torn.join(', ')}` : ''}`;
          return {
            data: { ...v },
            ok: !v.broken,
            human: v.broken
              ? `History chain BROKEN at line ${v.broken.line}: it should link to ${v.broken.expected}, it holds ${v.broken.got ?? 'no link'}.\nThat line or the one before it was changed, removed or inserted after it was written.\n${summary}`
              : `History chain intact. ${summary}.\nHead (note it to detect a rewrite later): ${v.head ?? '(empty history)'}`,
          };
        }
        const updates = await readHistory(opts.store);
        return {
          data: { updates },
          human:
            updates.length === 0
              ? 'No updates yet.'
              : updates
                  .map(
                    (u) =>
                      `${formatTime(u.at)}  ${u.mode.padEnd(13)} ${u.result.padEnd(8)} ${u.who}  ${u.applied.map((a) => `${a.component} ${a.from}→${a.to}`).join(', ') || (u.error ? u.error.code : u.mode === 'stage' ? `${u.sha256} ${u.already ? 'already staged, nothing changed' : 'staged for ISE (layout not recognised), not applied'}` : (u.policy ?? '-'))}${u.custody ? `  signed by ${u.custody.signer} (${u.custody.fingerprint})` : ''}`,
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
      const { listPolicies } = await agentCore();
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
        const { deletePolicy } = await agentCore();
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
    .option(
      '--follow',
      'hash the file while it is written: each number on stdin says the bytes before it are final; answer at end of input',
    )
    .option('--json', 'JSON output')
    .action(async (file: string, opts: StoreOpts & { follow?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { followInboxFile, verifyInboxFile } = await import('../../agent/inbox.js');
        const r = opts.follow ? await followInboxFile(opts.store, file, offsetsOn(process.stdin)) : await verifyInboxFile(opts.store, file);
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
        const { readLogTail } = await agentCore();
        const n = Number(opts.lines);
        if (!Number.isInteger(n) || n < 0) throw usageError('--lines must be a non-negative integer.');
        const text = await readLogTail(opts.store, n);
        return { data: { lines: text.split('\n').filter(Boolean) }, human: text };
      });
    });
  const token = agent.command('token').description('named API tokens: history and ise-psc.log record the name of the token used');
  token
    .command('add')
    .description('make a new token (printed once; only its SHA-256 is stored)')
    .argument('<name>', 'who or what uses it (e.g. alice, ci-pipeline)')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (name: string, opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { addToken } = await agentCore();
        const r = await addToken(opts.store, name);
        return {
          data: { ...r },
          human: `Token "${r.name}" (shown once; keep it in a 0600 file and send it as \`Authorization: Bearer …\`):\n${r.token}`,
        };
      });
    });
  token
    .command('revoke')
    .description('revoke a token: the running agent refuses it from its next request on')
    .argument('<name>', 'token name')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (name: string, opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { revokeToken } = await agentCore();
        const r = await revokeToken(opts.store, name);
        return {
          data: { ...r },
          human: `Revoked token "${r.name}".${r.remaining.length === 0 ? ' No token is left: the API refuses every request until you add one.' : ''}`,
        };
      });
    });
  token
    .command('list')
    .description('token names, when made and last used (never the tokens)')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { listTokens } = await agentCore();
        const tokens = await listTokens(opts.store);
        return {
          data: { tokens },
          human:
            tokens.length === 0
              ? 'No tokens.'
              : tokens
                  .map(
                    (t) =>
                      `${t.name.padEnd(20)} created ${formatTime(t.createdAt)}  last used ${t.lastUsedAt ? formatTime(t.lastUsedAt) : 'never'}`,
                  )
                  .join('\n'),
        };
      });
    });

  const signers = agent
    .command('signers')
    .description('trusted signers: with one or more, only bundles with a transfer manifest signed by one of them are applied');
  signers
    .command('add')
    .description('trust an Ed25519 public key (a .pub file or allowed_signers lines)')
    .argument('<key.pub>', 'public key file')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (file: string, opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { addSigners, readSignerFiles } = await agentCore();
        const r = await addSigners(opts.store, await readSignerFiles([file]));
        return {
          data: { ...r },
          human:
            (r.added.length > 0 ? r.added.map((x) => `Trusted ${describeSigner(x)}`).join('\n') : 'Already trusted.') +
            `\nThis node now applies only bundles signed by one of its ${r.signers.length} trusted signer(s).`,
        };
      });
    });
  signers
    .command('remove')
    .description('stop trusting a key (by its SHA256:… fingerprint)')
    .argument('<fingerprint>', 'as `signers list` shows it')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (fp: string, opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { removeSigner } = await agentCore();
        const r = await removeSigner(opts.store, fp);
        return {
          data: { ...r },
          human:
            `No longer trusted: ${describeSigner(r.removed)}` +
            (r.signers.length === 0 ? '\nNo trusted signer is left: this node applies unsigned bundles again.' : ''),
        };
      });
    });
  signers
    .command('list')
    .description('the trusted keys')
    .requiredOption('--store <dir>', 'store directory')
    .option('--json', 'JSON output')
    .action(async (opts: StoreOpts) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        const { listSigners } = await agentCore();
        const list = await listSigners(opts.store);
        return {
          data: { signers: list },
          human:
            list.length === 0 ? 'No trusted signers: any bundle that passes the checks is applied.' : list.map(describeSigner).join('\n'),
        };
      });
    });
}
