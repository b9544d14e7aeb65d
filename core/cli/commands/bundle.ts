import type { Command } from 'commander';

/** Registers this group's commands (to be implemented). */
export function registerBundleCommands(program: Command): void {
  void program;
}
