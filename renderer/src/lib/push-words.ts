/**
 * What the push moment says, as plain functions of the contract's answers (tested without a DOM): a
 * preview row per target (did the node answer, what would change, would it refuse and why), each
 * pushed target's outcome, and the headline of the result — which never calls a push that failed
 * everywhere "done", and never calls a re-push that changed nothing "applied".
 */
import type { PushTargetResult, TargetPreview } from '../../../core/app/contract';
import type { ComponentChange } from '../../../core/bundle/types';

/** The words for a component in one-line summaries (the registry's short labels live in VersionDiff). */
const SHORT: Record<string, string> = {
  conditions: 'conditions',
  'avas-windows': 'AV/AS windows',
  'avas-mac': 'AV/AS Mac',
  'avas-linux': 'AV/AS Linux',
  'supported-os': 'supported OS',
  'supported-os-legacy': 'supported OS (legacy)',
};
const short = (c: ComponentChange) => SHORT[c.id] ?? c.id;

/** Codes that say the node could not be reached or the transfer was cut, rather than a refusal. */
const NETWORK = new Set(['UNREACHABLE', 'TRANSFER_INTERRUPTED', 'INTERNAL']);

/** The first sentence of a message (tables show it; the details below keep all of it). */
export function firstSentence(message: string): string {
  const m = /^.*?[.!?](?=\s|$)/.exec(message);
  return (m?.[0] ?? message).trim();
}

export interface PreviewRow {
  targetId: string;
  name: string;
  /** the node answered the preview */
  answered: boolean;
  answer: string;
  change: string;
  /** why the node would refuse the push, or null */
  refusal: string | null;
  /** the push goes to this target */
  pushable: boolean;
}

/** One preview row: a target that did not answer or would refuse is left out of the push. */
export function previewRow(p: TargetPreview, allowDowngrade: boolean): PreviewRow {
  const base = { targetId: p.targetId, name: p.name };
  if (!p.ok) {
    const code = p.error?.code ?? 'INTERNAL';
    const step = typeof p.error?.details?.step === 'string' ? ` (${p.error.details.step})` : '';
    return {
      ...base,
      answered: false,
      answer: code === 'UNREACHABLE' ? `unreachable${step}` : 'refused the connection',
      change: '—',
      refusal: `${code}: ${firstSentence(p.error?.message ?? '')}`,
      pushable: false,
    };
  }
  if (p.staging) return { ...base, answered: true, answer: 'answered', change: 'stage the file for ISE', refusal: null, pushable: true };
  const components = p.diff?.components ?? [];
  const newer = components.filter((c) => c.change === 'upgrade' || c.change === 'new');
  const older = components.filter((c) => c.change === 'downgrade');
  const change =
    newer.length === 0 && older.length === 0
      ? 'nothing to apply'
      : [
          newer.length ? `${newer.length} newer: ${newer.map(short).join(', ')}` : '',
          older.length ? `${older.length} older: ${older.map(short).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' · ');
  const downgrade = Boolean(p.diff?.downgrade);
  return {
    ...base,
    answered: true,
    answer: 'answered',
    change,
    refusal: downgrade
      ? allowDowngrade
        ? null
        : `DOWNGRADE_REFUSED: older than the node for ${older.map(short).join(', ') || 'a component'}; tick “Allow downgrade” to push anyway`
      : null,
    pushable: !downgrade || allowDowngrade,
  };
}

/** What happened on one pushed target, in a word (the chip) and a sentence. */
export type OutcomeWord =
  'applied' | 'staged' | 'already staged' | 'nothing to apply' | 'dry run passed' | 'cancelled' | 'refused' | 'failed';

export function outcomeWord(r: PushTargetResult): OutcomeWord {
  if (!r.ok) {
    const code = r.error?.code ?? 'INTERNAL';
    return code === 'CANCELLED' ? 'cancelled' : NETWORK.has(code) ? 'failed' : 'refused';
  }
  if (r.result?.dryRun) return 'dry run passed';
  if (r.outcome === 'staged') return r.result?.staged?.already ? 'already staged' : 'staged';
  if (r.outcome === 'skipped' || (r.outcome === 'applied' && (r.result?.applied.length ?? 0) === 0)) return 'nothing to apply';
  return 'applied';
}

/** The chip's tone: green only for a change made, neutral for nothing to do, red for a refusal or failure. */
export function tone(word: OutcomeWord): 'ok' | 'neutral' | 'bad' {
  if (word === 'applied' || word === 'staged' || word === 'dry run passed') return 'ok';
  if (word === 'refused' || word === 'failed') return 'bad';
  return 'neutral';
}

/** The sentence under the chip: what changed on the node, or why not (`brief`: one line for the summary table). */
export function outcomeSentence(r: PushTargetResult, brief = false): string {
  const word = outcomeWord(r);
  const res = r.result;
  switch (word) {
    case 'applied':
      if (brief) {
        const n = res?.applied.length ?? 0;
        return `${n} component${n === 1 ? '' : 's'} updated.`;
      }
      return `Applied ${res?.applied.map((a) => `${SHORT[a.component] ?? a.component} ${a.from} → ${a.to}`).join(', ') ?? ''}${
        res?.skipped.length ? `; already current: ${res.skipped.map((s) => SHORT[s.component] ?? s.component).join(', ')}` : ''
      }.`;
    case 'nothing to apply':
      return 'The node already has these versions (or newer): nothing was changed.';
    case 'staged':
      return 'Layout not recognised: the node keeps the verified file for ISE; nothing was applied.';
    case 'already staged':
      return 'The node had already staged this file: nothing was changed.';
    case 'dry run passed':
      return 'Checked and uploaded; the node changed nothing (dry run).';
    case 'cancelled':
      return 'Cancelled before the node was asked to apply: nothing changed there.';
    default:
      return firstSentence(r.error?.message ?? '');
  }
}

/** The result's headline. `skipped`: targets left out of the push because they would refuse. */
export function headline(results: PushTargetResult[], skipped: number): { text: string; tone: 'ok' | 'neutral' | 'bad' } {
  const words = results.map(outcomeWord);
  const count = (w: OutcomeWord | OutcomeWord[]) => words.filter((x) => (Array.isArray(w) ? w.includes(x) : x === w)).length;
  const bad = count(['refused', 'failed']);
  const cancelled = count('cancelled');
  const changed = count(['applied', 'staged', 'dry run passed']);
  const all = results.length + skipped;
  const parts = (
    [
      ['applied', count('applied')],
      ['staged', count('staged')],
      ['dry run passed', count('dry run passed')],
      ['nothing to apply', count(['nothing to apply', 'already staged'])],
      ['cancelled', cancelled],
      ['refused', count('refused')],
      ['failed', count('failed')],
      ['not pushed', skipped],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([w, n]) => `${n} ${w}`)
    .join(' · ');
  const of = all === 1 ? '' : ` (${parts})`;
  if (results.length > 0 && bad === results.length)
    return { text: results.length === 1 ? `Push failed: ${words[0] ?? 'refused'}` : `Push failed on every target${of}`, tone: 'bad' };
  if (cancelled > 0) return { text: `Push cancelled${of}`, tone: bad ? 'bad' : 'neutral' };
  if (changed === 0 && bad === 0) return { text: `Nothing to apply${of}`, tone: 'neutral' };
  if (bad > 0 || skipped > 0) return { text: `Pushed to ${results.length - bad} of ${all} targets${of}`, tone: bad ? 'bad' : 'neutral' };
  return { text: all === 1 ? `Done: ${words[0] ?? 'applied'}` : `Done on all ${all} targets${of}`, tone: 'ok' };
}
