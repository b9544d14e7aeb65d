/**
 * The layering lint fires (STYLE.md, README "Layout"): ESLint's Node API on in-memory snippets placed at
 * real paths of the tree. An upward or outward import is an error; the allowed direction is not.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root, overrideConfigFile: 'build/eslint.config.js' });

/** The rule ids ESLint reports for `code` as if it were the file at `filePath`. */
async function lint(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const layering = 'import-x/no-restricted-paths';

describe('layering lint', () => {
  it('refuses core → app, core → electron, a lower floor → cli, and the shared core files → a folder', async () => {
    expect(
      await lint('core/transfer/probe.ts', "import { createHandlers } from '../app/index.js';\nexport const x = createHandlers;\n"),
    ).toContain(layering);
    expect(await lint('core/net/probe.ts', "import { METHODS } from '../app/contract.js';\nexport const x = METHODS;\n")).toContain(
      layering,
    );
    expect(await lint('core/bundle/zip/probe.ts', "import { x as y } from '../../cli/main.js';\nexport const x = y;\n")).toContain(
      layering,
    );
    expect(
      await lint('core/app/probe.ts', "import { registerIpc } from '../../electron/main/ipc.js';\nexport const x = registerIpc;\n"),
    ).toContain(layering);
    expect(
      await lint('core/cli/commands/probe.ts', "import { x as y } from '../../../electron/main/index.js';\nexport const x = y;\n"),
    ).toContain(layering);
    expect(await lint('core/net/probe.ts', "import { fetchBundle } from '../feed/index.js';\nexport const x = fetchBundle;\n")).toContain(
      layering,
    );
    expect(await lint('core/probe.ts', "import { openNode } from './transfer/index.js';\nexport const x = openNode;\n")).toContain(
      layering,
    );
  });

  it('lets each floor import the ones below it', async () => {
    expect(
      await lint('core/cli/commands/probe.ts', "import { startUiSession } from '../../app/index.js';\nexport const x = startUiSession;\n"),
    ).toEqual([]);
    expect(await lint('core/app/probe.ts', "import { openNode } from '../transfer/index.js';\nexport const x = openNode;\n")).toEqual([]);
    expect(
      await lint('core/transfer/probe.ts', "import { pinnedDispatcher } from '../net/index.js';\nexport const x = pinnedDispatcher;\n"),
    ).toEqual([]);
    expect(
      await lint('electron/main/probe.ts', "import { dispatch } from '../../core/app/index.js';\nexport const x = dispatch;\n"),
    ).toEqual([]);
  });

  it('core/ise (the hand-off to ISE, confirm) sits above the bundle core and below agent, library and transfer', async () => {
    expect(await lint('core/ise/probe.ts', "import { checkBundle } from '../bundle/index.js';\nexport const x = checkBundle;\n")).toEqual(
      [],
    );
    expect(await lint('core/ise/probe.ts', "import { listStaged } from '../agent/index.js';\nexport const x = listStaged;\n")).toContain(
      layering,
    );
    expect(
      await lint('core/bundle/probe.ts', "import { writeHandoff } from '../ise/index.js';\nexport const x = writeHandoff;\n"),
    ).toContain(layering);
    expect(await lint('core/app/probe.ts', "import { confirmIse } from '../ise/index.js';\nexport const x = confirmIse;\n")).toEqual([]);
  });

  it('renderer components (.svelte) may only `import type` from core', async () => {
    const value = '<script lang="ts">\n  import { METHODS } from \'../../../core/app/contract\';\n  console.log(METHODS);\n</script>\n';
    const typeOnly =
      '<script lang="ts">\n  import type { Settings } from \'../../../core/app/contract\';\n  const s: Settings | null = null;\n  console.log(s);\n</script>\n';
    expect(await lint('renderer/src/components/Probe.svelte', value)).toContain('@typescript-eslint/no-restricted-imports');
    expect(await lint('renderer/src/components/Probe.svelte', typeOnly)).toEqual([]);
    expect(await lint('renderer/src/lib/probe.ts', "import { readFile } from 'node:fs';\nconsole.log(readFile);\n")).toContain(
      '@typescript-eslint/no-restricted-imports',
    );
  });
});
