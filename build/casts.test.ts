/**
 * The parse-don't-cast lint fires (issue 9 §4): ESLint's Node API on in-memory snippets placed at real paths
 * of the tree. A cast of parsed JSON or an `as unknown as` in production code of core/ or electron/ is an
 * error; parsing through a schema is not, and tests may still cast to build hostile input.
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

const rule = 'no-restricted-syntax';
const head = "import { readFileSync } from 'node:fs';\nexport interface Info { name: string }\n";

describe("parse, don't cast (lint)", () => {
  it('refuses `JSON.parse(…) as T`, `<T>JSON.parse(…)`, a typed declaration from JSON.parse and `as unknown as`', async () => {
    const casts = [
      "export const a = JSON.parse(readFileSync('f', 'utf8')) as Info;\n",
      "export const b = <Info>JSON.parse(readFileSync('f', 'utf8'));\n",
      "export const c: Info = JSON.parse(readFileSync('f', 'utf8'));\n",
      "export const d = (readFileSync('f', 'utf8') as unknown) as Info;\n",
      "export const e = <Info>(<unknown>readFileSync('f', 'utf8'));\n",
      'export async function f(res: Response) {\n  return (await res.json()) as Info;\n}\n',
    ];
    for (const code of casts) {
      expect(await lint('core/agent/probe.ts', head + code), code).toContain(rule);
      expect(await lint('electron/main/probe.ts', head + code), code).toContain(rule);
    }
  });

  it('lets production code parse through a schema, and tests cast on purpose', async () => {
    const parsed =
      "import { z } from 'zod';\nimport { parseJson } from '../json.js';\n" +
      "const info = z.object({ name: z.string() });\nexport const a = parseJson(readFileSync('f', 'utf8'), info);\n" +
      "export const b: unknown = JSON.parse(readFileSync('f', 'utf8'));\n";
    expect(await lint('core/agent/probe.ts', head + parsed)).toEqual([]);
    const hostile = "export const a = JSON.parse(readFileSync('f', 'utf8')) as Info;\nexport const b = 'x' as unknown as Info;\n";
    expect(await lint('core/agent/probe.test.ts', head + hostile)).toEqual([]);
    expect(await lint('core/feed/testing.ts', head + hostile)).toEqual([]);
  });
});
