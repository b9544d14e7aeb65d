/**
 * Stands in for core/cli/commands/ui.ts inside the node kit's executable: the node agent needs no
 * desktop UI, and the UI's files are not in the executable. Bundled instead of the real command by
 * ./bundle.ts; keeps the same export so core/cli/main.ts is unchanged.
 */
import type { Command } from 'commander';
import { runCommand } from '../../core/cli/io.js';
import { CoreError } from '../../core/errors.js';

/** Registers a `ui` command that explains where the UI is. */
export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description('not in the node kit: run `posture-stage ui` (or the desktop app) on the workstation')
    .allowUnknownOption()
    .allowExcessArguments()
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await runCommand(Boolean(opts.json), async () => {
        throw new CoreError(
          'USAGE',
          'This posture-stage is the node kit: it has no desktop UI. Run `posture-stage ui` or the desktop app on the workstation.',
        );
      });
    });
}
