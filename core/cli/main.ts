/**
 * `posture-stage` — the CLI of interfaces.md. Thin: parse flags, call core, print.
 * Each command group registers itself from commands/*.ts. Only the group that the command line names
 * is loaded (an SFTP push runs `agent verify` and `agent apply` on the node, and each run would
 * otherwise pay for loading the HTTP, SSH and UI stacks). `--version` loads none, and `--help` with no
 * command lists every command from the summaries below without loading a group (cold start, issue 11).
 */
import { Command, CommanderError } from 'commander';
import { endQuietlyOnClosedPipe, printError } from './io.js';
import { CoreError } from '../errors.js';
import { VERSION } from '../version.js';

type Register = (program: Command) => void;

/** The command groups: their top-level commands (with the description each registers, for `--help`) and how to load them. */
export const GROUPS: Array<{ commands: Array<[name: string, description: string]>; load: () => Promise<Register> }> = [
  {
    commands: [
      ['sample', 'Write a realistic reference-layout posture-offline.zip (same arguments ⇒ same bytes; content follows the versions).'],
      ['inspect', 'Validate and inspect a posture-offline.zip: versions, AV/AS charts, conditions, OS groups, checks.'],
      ['diff', 'What applying NEW over OLD changes. OLD is a bundle file, https://… or sftp://… node, or --store DIR.'],
    ],
    load: async () => (await import('./commands/bundle.js')).registerBundleCommands,
  },
  {
    commands: [
      ['fetch', "download posture-offline.zip (default: Cisco's), verify it and add it to the library"],
      ['library', "the workstation's bundle library ($POSTURE_STAGE_HOME)"],
      [
        'push',
        'check a bundle locally, then push it to one or more staging nodes: applied there (reference layout), or staged for ISE (layout not recognised)',
      ],
    ],
    load: async () => (await import('./commands/workstation.js')).registerWorkstationCommands,
  },
  {
    commands: [
      [
        'agent',
        "The staging node (a Linux host in ISE's zone, never the ISE appliance): keep posture content in a store, apply or stage bundles for ISE, serve the HTTPS API.",
      ],
    ],
    load: async () => (await import('./commands/agent.js')).registerAgentCommands,
  },
  {
    commands: [
      [
        'handoff',
        "fetch a bundle a staging node keeps for ISE and write posture-offline.zip (re-verified), posture-offline.zip.sha256 and HANDOFF.txt (ISE's GUI steps on the PAN) to DIR",
      ],
      [
        'confirm',
        "judge whether ISE took a bundle: ISE's Update Information as pasted from its GUI, and optionally its ise-psc.log; exit 0 only when ISE shows every component",
      ],
    ],
    load: async () => (await import('./commands/ise.js')).registerIseCommands,
  },
  {
    commands: [['ui', "serve the desktop app's UI on loopback for a browser (SSH tunnels, tests); stops on Ctrl-C"]],
    load: async () => (await import('./commands/ui.js')).registerUiCommand,
  },
];

/** The program with the command groups needed for `argv` (all of them when no known command is named). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('posture-stage')
    .description('Stage, verify, preview and apply Cisco ISE offline posture updates (posture-offline.zip).')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const words = argv.filter((a) => !a.startsWith('-'));
  // `help inspect` needs the group of the command it asks about
  const first = words[0] === 'help' ? words[1] : words[0];
  const named = GROUPS.filter((g) => first !== undefined && g.commands.some(([name]) => name === first));
  for (const group of named) (await group.load())(program);
  // no known command: the summaries are enough for the help, an unknown command's error and its suggestion
  if (named.length === 0)
    for (const g of GROUPS) for (const [name, description] of g.commands) program.command(name).description(description);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0
      if (e.exitCode === 0) return 0;
      const json = argv.includes('--json');
      if (json) printError(new CoreError('USAGE', e.message.replace(/^error: /, '')), true);
      return 1;
    }
    throw e;
  }
}
