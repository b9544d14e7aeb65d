/**
 * JSON read at a trust boundary (files on disk, another process's output): parsed and checked against a
 * zod schema in one step, never cast. The caller turns a failure into its own coded error (STORE_CORRUPT, …)
 * with the problem this gives in words.
 */
import type { z } from 'zod';

/** Outcome of `parseJson`: the checked value, or what is wrong with the text (`syntax`: not JSON at all). */
type Parsed<T> = { ok: true; data: T } | { ok: false; syntax: boolean; problem: string };

/** The first problem of a failed check, as `field: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not the expected document';
  return `${issue.path.join('.') || 'document'}: ${issue.message}`;
}

/** Parses `text` as JSON and checks it against `schema`. */
export function parseJson<S extends z.ZodType>(text: string, schema: S): Parsed<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, syntax: true, problem: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const r = schema.safeParse(json);
  return r.success ? { ok: true, data: r.data } : { ok: false, syntax: false, problem: `unexpected content (${firstIssue(r.error)})` };
}
