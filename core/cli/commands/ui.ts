import type { Command } from 'commander';

/** Registers this group's commands (to be implemented). */
export function registerUiCommand(program: Command): void {
  void program;
}
