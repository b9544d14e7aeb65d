/** Conditions & policies: the five counts and the default items marked, repeated names included. */
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import type { ConditionsSummary } from '../../../core/bundle/types';
import ConditionsView from './ConditionsView.svelte';

const summary = (defaults: ConditionsSummary['defaults']): ConditionsSummary => ({
  kind: 'conditions',
  counts: { checks: 12, conditions: 81, remediations: 9, requirements: 15, policies: 6 },
  defaults,
});

describe('ConditionsView', () => {
  it('shows the counts and marks each default item', () => {
    render(ConditionsView, { summary: summary({ policies: ['Default_AntiMalware_Policy_Win'], requirements: ['Any_AM_Definition_Win'], remediations: [] }) });
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
});
