/**
 * What the push moment says (issue 12 §1): a preview row per target with its refusal in the app's words and
 * whether the push goes there; each target's outcome; and a headline that never calls a push that failed
 * everywhere done, never calls a re-push that changed nothing applied, and counts the targets left out.
 */
import { describe, expect, it } from 'vitest';
import type { PushTargetResult, TargetPreview } from '../../../core/app/contract';
import type { BundleDiff } from '../../../core/bundle/types';
import { firstSentence, headline, outcomeSentence, outcomeWord, previewRow, tone } from './push-words';

const versions = { conditions: '300418.0.0.0', avasWindows: '1', avasMac: '1', avasLinux: '1', supportedOs: '1' };
const status = {
  versions,
  lastSuccessfulUpdate: '2025/03/13 14:24:50',
  lastUpdateStatus: 'Last update attempt at 2025/03/13 14:24:50 was successful',
  updateMode: 'Offline' as const,
  defaultPoliciesCreated: true,
  updating: false,
};
const empty = { added: [], removed: [] };
const diff = (components: BundleDiff['components'], downgrade = false): BundleDiff => ({
  components,
  content: {
    products: { added: [], removed: [], signatureChanged: [] },
    conditions: empty,
    requirements: empty,
    policies: empty,
    os: empty,
  },
  downgrade,
});

const applied = (name: string, n = 1): PushTargetResult => ({
  targetId: name,
  name,
  ok: true,
  outcome: 'applied',
  result: {
    sha256: 'a'.repeat(64),
    applied: Array.from({ length: n }, () => ({ component: 'conditions', from: '280052.0.0.0', to: '300418.0.0.0' })),
    skipped: [],
    status,
    outcome: 'applied',
  },
});
const skipped = (name: string): PushTargetResult => ({
  targetId: name,
  name,
  ok: true,
  outcome: 'skipped',
  result: {
    sha256: 'a'.repeat(64),
    applied: [],
    skipped: [{ component: 'conditions', version: '300418.0.0.0', reason: 'same-version' }],
    status,
    outcome: 'skipped',
  },
});
const failed = (name: string, code: string, message = 'The node could not be reached. Check the address.'): PushTargetResult => ({
  targetId: name,
  name,
  ok: false,
  outcome: 'refused',
  error: { code: code as 'UNREACHABLE', message },
});

describe('preview rows', () => {
  it('a node that would refuse a downgrade says why in the app’s words and is left out of the push', () => {
    const p: TargetPreview = {
      targetId: 'b',
      name: 'b',
      ok: true,
      diff: diff([{ id: 'conditions', from: '999999.0.0.0', to: '300418.0.0.0', change: 'downgrade' }], true),
    };
    const row = previewRow(p, false);
    expect(row).toMatchObject({ answered: true, pushable: false, change: '1 older: conditions' });
    expect(row.refusal).toMatch(/^DOWNGRADE_REFUSED: .*tick “Allow downgrade”/);
    expect(row.refusal).not.toMatch(/--/);
    // ticked, the same node takes it
    expect(previewRow(p, true)).toMatchObject({ pushable: true, refusal: null });
  });

  it('says what would change, or nothing to apply, and an unreachable node with the step it stopped at', () => {
    const newer = previewRow(
      { targetId: 'a', name: 'a', ok: true, diff: diff([{ id: 'conditions', from: '1', to: '2', change: 'upgrade' }]) },
      false,
    );
    expect(newer).toMatchObject({ change: '1 newer: conditions', pushable: true, refusal: null });
    const same = previewRow(
      { targetId: 'a', name: 'a', ok: true, diff: diff([{ id: 'conditions', from: '2', to: '2', change: 'same' }]) },
      false,
    );
    expect(same.change).toBe('nothing to apply');
    const down = previewRow(
      {
        targetId: 'c',
        name: 'c',
        ok: false,
        error: { code: 'UNREACHABLE', message: 'No answer from 10.0.0.9:8443 within 15 s. Check the node.', details: { step: 'tls' } },
      },
      false,
    );
    expect(down).toMatchObject({
      answered: false,
      answer: 'unreachable (tls)',
      pushable: false,
      refusal: 'UNREACHABLE: No answer from 10.0.0.9:8443 within 15 s.',
    });
  });
});

describe('outcomes', () => {
  it('a re-push that changed nothing is "nothing to apply", neutral — never a green applied', () => {
    expect(outcomeWord(skipped('a'))).toBe('nothing to apply');
    // an older node that answers applied with an empty list means the same
    expect(outcomeWord(applied('a', 0))).toBe('nothing to apply');
    expect(tone('nothing to apply')).toBe('neutral');
    expect(outcomeWord(applied('a'))).toBe('applied');
    expect(tone('applied')).toBe('ok');
  });

  it('tells a cancel, a refusal and a failure to reach the node apart', () => {
    expect(outcomeWord(failed('a', 'CANCELLED'))).toBe('cancelled');
    expect(outcomeSentence(failed('a', 'CANCELLED'))).toMatch(/nothing changed there/);
    expect(outcomeWord(failed('a', 'DOWNGRADE_REFUSED'))).toBe('refused');
    expect(outcomeWord(failed('a', 'UNREACHABLE'))).toBe('failed');
    expect(tone('failed')).toBe('bad');
    expect(outcomeSentence(failed('a', 'UNREACHABLE'), true)).toBe('The node could not be reached.');
  });
});

describe('headline', () => {
  it('never says done when every target failed', () => {
    const h = headline([failed('a', 'UNREACHABLE'), failed('b', 'AUTH_FAILED')], 0);
    expect(h).toEqual({ text: 'Push failed on every target (1 refused · 1 failed)', tone: 'bad' });
    expect(headline([failed('a', 'UNREACHABLE')], 0)).toEqual({ text: 'Push failed: failed', tone: 'bad' });
  });

  it('counts applied, nothing to apply and the targets left out of the push', () => {
    expect(headline([applied('a'), applied('b')], 1).text).toBe('Pushed to 2 of 3 targets (2 applied · 1 not pushed)');
    expect(headline([skipped('a'), skipped('b')], 1)).toEqual({
      text: 'Nothing to apply (2 nothing to apply · 1 not pushed)',
      tone: 'neutral',
    });
    expect(headline([applied('a'), failed('b', 'UNREACHABLE')], 0)).toMatchObject({
      text: 'Pushed to 1 of 2 targets (1 applied · 1 failed)',
      tone: 'bad',
    });
    expect(headline([applied('a')], 0)).toEqual({ text: 'Done: applied', tone: 'ok' });
    expect(headline([applied('a'), skipped('b')], 0)).toEqual({
      text: 'Done on all 2 targets (1 applied · 1 nothing to apply)',
      tone: 'ok',
    });
  });

  it('a cancel is the headline, not done', () => {
    expect(headline([failed('a', 'CANCELLED')], 0)).toEqual({ text: 'Push cancelled', tone: 'neutral' });
    expect(headline([applied('a'), failed('b', 'CANCELLED')], 0).text).toBe('Push cancelled (1 applied · 1 cancelled)');
  });

  it('tables show the first sentence of a message', () => {
    expect(firstSentence('The node refused the token. Check the token on the node.')).toBe('The node refused the token.');
    expect(firstSentence('no full stop')).toBe('no full stop');
  });
});
