/** Escaping for the sample writer's XML text (attribute values and text nodes). */
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes a string for use in an attribute value or text node. */
export function esc(s: string): string {
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESC[c] as string) : s;
}

/** `name="value"` pairs, escaped; undefined values are left out. */
export function attrs(a: Record<string, string | number | undefined>): string {
  let s = '';
  for (const [k, v] of Object.entries(a)) if (v !== undefined) s += ` ${k}="${esc(String(v))}"`;
  return s;
}
