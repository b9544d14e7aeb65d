import type { Command } from 'commander';

/** Registers this group's commands (to be implemented). */
export function registerAgentCommands(program: Command): void {
  void program;
}
