/** The OS-groups tree: nested groups with their OS entries, as read from the tar.gz (duplicates included). */
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import type { OsGroupNode } from '../../../core/bundle/types';
import OsTree from './OsTree.svelte';

describe('OsTree', () => {
  it('draws nested groups and their OS entries', () => {
    const tree: OsGroupNode[] = [
      {
        name: 'Windows All',
        os: [],
        groups: [{ name: 'Windows 11 (All)', groups: [], os: ['Windows 11 Enterprise', 'Windows 11 Professional'] }],
      },
    ];
    render(OsTree, { nodes: tree });
    expect(screen.getByText('Windows All')).toBeTruthy();
    expect(screen.getByText('Windows 11 Enterprise')).toBeTruthy();
    expect(screen.getByText('Windows 11 Professional')).toBeTruthy();
  });

  it('shows repeated group and OS names as the file has them instead of failing', () => {
    // the reader keeps the XML as written (no de-duplication); a keyed each on the names would throw each_key_duplicate
    const tree: OsGroupNode[] = [
      { name: 'Mac OSX', groups: [], os: ['Mac OSX 14', 'Mac OSX 14'] },
      { name: 'Mac OSX', groups: [], os: [] },
    ];
    const { container } = render(OsTree, { nodes: tree });
    expect(container.querySelectorAll('summary')).toHaveLength(2);
    expect(screen.getAllByText('Mac OSX 14')).toHaveLength(2);
  });
});
