/** Conditions & policies: the five counts and the default items marked, repeated names included. */
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import type { ConditionsIndex, ConditionsSummary } from '../../../core/bundle/types';
import ConditionsView from './ConditionsView.svelte';

const summary = (defaults: ConditionsSummary['defaults']): ConditionsSummary => ({
  kind: 'conditions',
  counts: { checks: 12, conditions: 81, remediations: 9, requirements: 15, policies: 6 },
  defaults,
});

describe('ConditionsView', () => {
  it('shows the counts and marks each default item', () => {
    render(ConditionsView, {
      summary: summary({ policies: ['Default_AntiMalware_Policy_Win'], requirements: ['Any_AM_Definition_Win'], remediations: [] }),
    });
    expect(screen.getByTestId('conditions-counts').textContent).toContain('81');
    const defaults = screen.getByTestId('defaults');
    expect(defaults.textContent).toContain('default policy Default_AntiMalware_Policy_Win');
    expect(defaults.textContent).toContain('default requirement Any_AM_Definition_Win');
  });

  it('lists a default name the XML repeats instead of failing', () => {
    // a keyed each on the names would throw each_key_duplicate and blank the Inspect screen
    render(ConditionsView, { summary: summary({ policies: ['Default_Policy', 'Default_Policy'], requirements: [], remediations: [] }) });
    expect(screen.getByTestId('defaults').querySelectorAll('li')).toHaveLength(2);
  });

  it('lists every name of a kind, searchable, with the default ones marked and long lists cut with a count', async () => {
    const index: ConditionsIndex = {
      checks: Array.from({ length: 250 }, (_, i) => `pc_Win11_KB50${String(i).padStart(5, '0')}`),
      conditions: ['ANY_am_win_inst', 'pr_Windows11_KB5034441'],
      remediations: ['AnyAMDefRemediationWin'],
      requirements: ['Any_AM_Installation_Win'],
      policies: ['Default_AntiMalware_Policy_Win', 'Site_Policy'],
      defaultPolicies: ['Default_AntiMalware_Policy_Win'],
      defaultRequirements: ['Any_AM_Installation_Win'],
      defaultRemediations: [],
    };
    render(ConditionsView, {
      summary: summary({ policies: ['Default_AntiMalware_Policy_Win'], requirements: [], remediations: [] }),
      index,
    });
    const names = screen.getByTestId('conditions-names');
    expect(names.querySelectorAll('li')).toHaveLength(2);
    const marked = [...names.querySelectorAll('li')].map((li) => [li.firstChild?.textContent?.trim(), li.querySelector('.chip') !== null]);
    expect(marked).toEqual([
      ['Default_AntiMalware_Policy_Win', true],
      ['Site_Policy', false],
    ]);
    await fireEvent.change(screen.getByTestId('conditions-kind'), { target: { value: 'checks' } });
    expect(names.querySelectorAll('li')).toHaveLength(201);
    expect(names.textContent).toContain('… and 50 more');
    await fireEvent.input(screen.getByTestId('conditions-search'), { target: { value: 'KB5000012' } });
    expect([...names.querySelectorAll('li')].map((li) => li.textContent?.trim())).toEqual(['pc_Win11_KB5000012']);
    await fireEvent.input(screen.getByTestId('conditions-search'), { target: { value: 'kb500019' } });
    expect(names.querySelectorAll('li')).toHaveLength(10); // case-insensitive: KB5000190…KB5000199
  });
});
