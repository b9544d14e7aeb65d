/** The AV/AS chart table: search narrows rows by vendor/product/signature, the category filter works. */
import { describe, expect, it } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import type { AvasProduct } from '../../../core/bundle/types';
import AvasTable from './AvasTable.svelte';

const product = (vendor: string, name: string, category: AvasProduct['category'], sig: string | null): AvasProduct => ({
  vendor,
  vendorId: vendor.slice(0, 3),
  product: name,
  productId: name,
  category,
  versions: '1.x',
  capabilities: ['installation'],
  signatureVersion: sig,
  signatureDate: sig ? '2025-03-12' : null,
});

const items = [
  product('Microsoft Corporation', 'Microsoft Defender Antivirus', 'antimalware', '1.425.112.0'),
  product('Sophos Limited', 'Sophos Endpoint', 'antivirus', '2025.3.1'),
  product('Microsoft Corporation', 'Windows Firewall', 'firewall', null),
];

const rows = () => screen.getByTestId('avas-windows').querySelectorAll('tbody tr');

describe('AvasTable', () => {
  it('shows every product with its signature version and date', () => {
    render(AvasTable, { items, os: 'windows' });
    expect(rows()).toHaveLength(3);
    expect(screen.getByText('1.425.112.0')).toBeTruthy();
    expect(screen.getByTestId('avas-count').textContent).toBe('3 of 3 products');
  });

  it('searches vendor, product and signature, case-insensitively', async () => {
    render(AvasTable, { items, os: 'windows' });
    const search = screen.getByRole('searchbox', { name: 'Search the windows AV/AS chart' });
    await fireEvent.input(search, { target: { value: 'sophos' } });
    expect(rows()).toHaveLength(1);
    expect(rows()[0]?.textContent).toContain('Sophos Endpoint');
    await fireEvent.input(search, { target: { value: '1.425' } });
    expect(rows()[0]?.textContent).toContain('Defender');
    await fireEvent.input(search, { target: { value: 'no such thing' } });
    expect(rows()[0]?.textContent).toContain('No product matches');
  });

  it('filters by category', async () => {
    render(AvasTable, { items, os: 'windows' });
    const select = screen.getByRole('combobox', { name: 'Category filter for windows' }) as HTMLSelectElement;
    const option = [...select.options].find((o) => o.value === 'firewall');
    if (!option) throw new Error('no firewall option');
    option.selected = true;
    await fireEvent.change(select);
    expect(rows()).toHaveLength(1);
    expect(rows()[0]?.textContent).toContain('Windows Firewall');
  });

  it('shows a product listed under two categories twice (same vendor and product id), without failing', () => {
    // real charts list one product under each category it covers; a keyed each on the ids would throw each_key_duplicate
    const twice = [
      product('Sophos Limited', 'Sophos Endpoint', 'antivirus', '2025.3.1'),
      product('Sophos Limited', 'Sophos Endpoint', 'antispyware', '2025.3.1'),
    ];
    render(AvasTable, { items: twice, os: 'windows' });
    expect(rows()).toHaveLength(2);
    expect(screen.getByTestId('avas-count').textContent).toBe('2 of 2 products');
  });
});
