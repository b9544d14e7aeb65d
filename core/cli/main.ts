/**
 * `posture-stage` — the CLI of interfaces.md. Thin: parse flags, call core, print.
 * Each command group registers itself from commands/*.ts.
 */
import { Command, CommanderError } from 'commander';
import { printError } from './io.js';
import { CoreError } from '../errors.js';
import { registerBundleCommands } from './commands/bundle.js';
import { registerAgentCommands } from './commands/agent.js';
import { registerWorkstationCommands } from './commands/workstation.js';
import { registerUiCommand } from './commands/ui.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = new Command('posture-stage')
    .description('Stage, verify, preview and apply Cisco ISE offline posture updates (posture-offline.zip).')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerBundleCommands(program);
  registerWorkstationCommands(program);
  registerAgentCommands(program);
  registerUiCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
