import { describe, expect, it } from 'vitest';
import { parseJsonLines } from './jsonl.js';

describe('parseJsonLines', () => {
  it('reads one document a line, skipping blank lines and a line torn by a crash', () => {
    expect(parseJsonLines<{ n: number }>('{"n":1}\n\n{"n":2}\n{"n":3, "tor')).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
