/**
 * axe-core in the page under test (injected through the driver, so the app's strict CSP stays on): the
 * serious and critical violations of the whole page or of one part, in words a failing test can print.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** "id (impact): help — target" per serious or critical violation; [] when there are none. */
export async function seriousViolations(page: Page, selector?: string): Promise<string[]> {
  await page.evaluate(source);
  const violations = await page.evaluate(async (sel) => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(sel ?? 'html', { resultTypes: ['violations'] });
    return result.violations;
  }, selector);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} — ${n.target.join(' ')}: ${n.failureSummary ?? ''}`));
}
