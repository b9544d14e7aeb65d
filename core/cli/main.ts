/**
 * `posture-stage` — the CLI of interfaces.md. Thin: parse flags, call core, print.
 * Each command group registers itself from commands/*.ts. Only the group that the command line names
 * is loaded (an SFTP push runs `agent verify` and `agent apply` on the node, and each run would
 * otherwise pay for loading the HTTP, SSH and UI stacks); `--help` with no command loads them all.
 */
import { Command, CommanderError } from 'commander';
import { endQuietlyOnClosedPipe, printError } from './io.js';
import { CoreError } from '../errors.js';
import { VERSION } from '../version.js';

type Register = (program: Command) => void;

const GROUPS: Array<{ commands: string[]; load: () => Promise<Register> }> = [
  { commands: ['sample', 'inspect', 'diff'], load: async () => (await import('./commands/bundle.js')).registerBundleCommands },
  { commands: ['fetch', 'library', 'push'], load: async () => (await import('./commands/workstation.js')).registerWorkstationCommands },
  { commands: ['agent'], load: async () => (await import('./commands/agent.js')).registerAgentCommands },
  { commands: ['handoff', 'confirm'], load: async () => (await import('./commands/ise.js')).registerIseCommands },
  { commands: ['ui'], load: async () => (await import('./commands/ui.js')).registerUiCommand },
];

/** The program with the command groups needed for `argv` (all of them when no known command is named). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('posture-stage')
    .description('Stage, verify, preview and apply Cisco ISE offline posture updates (posture-offline.zip).')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const first = argv.find((a) => !a.startsWith('-'));
  const named = GROUPS.filter((g) => first !== undefined && g.commands.includes(first));
  for (const group of named.length > 0 ? named : GROUPS) (await group.load())(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
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
