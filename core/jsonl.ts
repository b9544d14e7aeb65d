/**
 * JSON Lines as our append-only logs use them (node history, the app's activity): one document a line,
 * each checked against a schema. A line torn by a crash mid-append (not JSON) is skipped — the attempt it
 * recorded never answered; a whole line that does not fit the schema is damage, reported by `invalid`.
 */
import type { z } from 'zod';
import { firstIssue } from './json.js';

/** The documents of `text`, in order; `invalid(line, problem)` builds the error for a line that does not fit `schema`. */
export function parseJsonLines<S extends z.ZodType>(
  text: string,
  schema: S,
  invalid: (line: number, problem: string) => Error,
): z.output<S>[] {
  const out: z.output<S>[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue; // torn line
    }
    const r = schema.safeParse(json);
    if (!r.success) throw invalid(i + 1, firstIssue(r.error));
    out.push(r.data);
  }
  return out;
}
