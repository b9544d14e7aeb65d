/**
 * JSON Lines as our append-only logs use them (node history, the app's activity): one document a line;
 * a line torn by a crash mid-append is skipped — the attempt it recorded never answered.
 */
export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // torn line
    }
  }
  return out;
}
