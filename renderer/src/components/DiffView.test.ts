/** The per-target diff: versions drawn with their change, downgrades flagged, content changes listed. */
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import type { BundleDiff } from '../../../core/bundle/types';
import DiffView from './DiffView.svelte';

const base = (over: Partial<BundleDiff> = {}): BundleDiff => ({
  components: [
    { id: 'conditions', from: '280052.0.0.0', to: '300418.0.0.0', change: 'upgrade' },
    { id: 'avas-windows', from: '297.0.0.0', to: '297.0.0.0', change: 'same' },
  ],
  content: {
    products: {
      added: [{ os: 'windows', vendor: 'Sophos Limited', product: 'Sophos Endpoint', to: '2025.3.1' }],
      removed: [{ os: 'mac', vendor: 'Old Vendor', product: 'Old AV' }],
      signatureChanged: [
        { os: 'windows', vendor: 'Microsoft Corporation', product: 'Microsoft Defender Antivirus', from: '1.409.1.0', to: '1.425.112.0' },
      ],
    },
    conditions: { added: ['pc_Win11_KB5034441'], removed: [] },
    requirements: { added: [], removed: ['Old_Requirement'] },
    policies: { added: [], removed: [] },
    os: { added: ['Windows All/Windows 11 (All)/Windows 11 Enterprise'], removed: [] },
  },
  downgrade: false,
  ...over,
});

describe('DiffView', () => {
  it('draws current → new per component with the kind of change', () => {
    render(DiffView, { diff: base() });
    const svg = screen.getByTestId('version-diff');
    expect(svg.textContent).toContain('280052.0.0.0');
    expect(svg.textContent).toContain('300418.0.0.0');
    expect(svg.textContent).toContain('upgrade');
    expect(svg.textContent).toContain('no change');
    expect(svg.querySelectorAll('g.upgrade')).toHaveLength(1);
    expect(screen.queryByTestId('downgrade-warning')).toBeNull();
  });

  it('lists added/removed products and signature changes, conditions and OS entries', () => {
    render(DiffView, { diff: base() });
    const text = screen.getByTestId('diff').textContent ?? '';
    expect(text).toContain('+1 added');
    expect(text).toContain('Sophos Endpoint');
    expect(text).toContain('Old AV');
    expect(text).toContain('1.409.1.0 → 1.425.112.0');
    expect(text).toContain('pc_Win11_KB5034441');
    expect(text).toContain('Old_Requirement');
    expect(text).toContain('Windows 11 Enterprise');
  });

  it('flags a downgrade in words and in the drawing', () => {
    render(DiffView, {
      diff: base({ downgrade: true, components: [{ id: 'conditions', from: '300418.0.0.0', to: '280052.0.0.0', change: 'downgrade' }] }),
    });
    expect(screen.getByTestId('downgrade-warning').textContent).toContain('DOWNGRADE_REFUSED');
    expect(screen.getByTestId('version-diff').querySelectorAll('g.downgrade')).toHaveLength(1);
    expect(screen.getByTestId('version-diff').textContent).toContain('DOWNGRADE');
  });

  it('shows a stale-bundle warning when nothing would be applied', () => {
    const same = base({
      components: [{ id: 'conditions', from: '300418.0.0.0', to: '300418.0.0.0', change: 'same' }],
      warnings: [{ code: 'STALE_BUNDLE', message: 'Every component is already installed at this version; nothing would be applied.' }],
    });
    render(DiffView, { diff: same });
    expect(screen.getByTestId('stale-warning').textContent).toContain('nothing would be applied');
  });

  it('says how many more lines a long list holds beyond the first 30', () => {
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
    const d = base();
    d.content.conditions = { added: many(35, 'cond'), removed: [] };
    d.content.products.added = many(33, 'Product').map((product) => ({ os: 'windows', vendor: 'Vendor', product, to: '1.0' }));
    render(DiffView, { diff: d });
    const text = screen.getByTestId('diff').textContent ?? '';
    expect(text).toContain('+35 / −0');
    expect(text).toContain('… and 5 more');
    expect(text).toContain('… and 3 more');
    expect(text).not.toContain('cond_30');
  });

  it('lists products whose names only differ in where vendor ends and product begins', () => {
    const d = base();
    d.content.products = {
      added: [
        { os: 'windows', vendor: 'AB', product: 'C', to: '1' },
        { os: 'windows', vendor: 'A', product: 'BC', to: '2' },
      ],
      removed: [],
      signatureChanged: [],
    };
    render(DiffView, { diff: d });
    expect(screen.getByTestId('diff').textContent).toContain('+2 added');
    expect(screen.getByText(/\[windows\] A BC/)).toBeTruthy();
  });
});
