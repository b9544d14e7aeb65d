import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { GROUPS, buildProgram } from './main.js';

describe('the CLI loads only what a command needs', () => {
  it('lists every command for --help from summaries that match what each group registers', async () => {
    const real = new Command();
    for (const g of GROUPS) (await g.load())(real);
    const registered = real.commands.map((c) => [c.name(), c.description()]);
    expect(GROUPS.flatMap((g) => g.commands)).toEqual(registered);
  });

  it('loads the group of the command named (or asked about with help), and none for --help alone', async () => {
    expect((await buildProgram(['--help'])).commands.every((c) => c.options.length === 0)).toBe(true);
    const inspect = (await buildProgram(['inspect', 'x.zip'])).commands.find((c) => c.name() === 'inspect');
    expect(inspect?.options.map((o) => o.long)).toContain('--json');
    expect((await buildProgram(['help', 'push'])).commands.map((c) => c.name())).toEqual(['fetch', 'library', 'push']);
  });
});
