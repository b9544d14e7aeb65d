import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonLines } from './jsonl.js';

const schema = z.object({ n: z.number() });
const invalid = (line: number, problem: string) => new Error(`line ${line}: ${problem}`);

describe('parseJsonLines', () => {
  it('reads one document a line, skipping blank lines and a line torn by a crash', () => {
    expect(parseJsonLines('{"n":1}\n\n{"n":2}\n{"n":3, "tor', schema, invalid)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses a whole line that does not fit the schema, naming the line and the field', () => {
    expect(() => parseJsonLines('{"n":1}\n{"n":"two"}\n', schema, invalid)).toThrow(/^line 2: n: /);
  });
});
