/**
 * The app's shared state: one class with $state fields, shared through createContext
 * (STYLE.md model 6). Screens read from it and call its methods; only it talks to the API.
 */
import { createContext } from 'svelte';
import type { AppInfo, LibraryRow, TargetView } from '../../../../core/app/contract';
import type { ErrorJSON } from '../../../../core/errors';
import { api } from '../api';
import { attempt } from './action.svelte';
import { PushFlow } from './push.svelte';

export type Route = 'welcome' | 'library' | 'inspect' | 'targets' | 'apply' | 'activity' | 'settings';

export const ROUTES: ReadonlyArray<{ id: Route; label: string }> = [
  { id: 'library', label: 'Library' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'targets', label: 'Targets' },
  { id: 'apply', label: 'Preview & apply' },
  { id: 'activity', label: 'Activity' },
  { id: 'settings', label: 'Settings' },
];

export class AppState {
  route = $state<Route>('library');
  info = $state<AppInfo | null>(null);
  library = $state<LibraryRow[]>([]);
  targets = $state<TargetView[]>([]);
  /** the bundle the Inspect and Preview screens show */
  selected = $state<string | null>(null);
  /** targets chosen on the Preview & apply screen */
  chosenTargets = $state<string[]>([]);
  /** a failure not tied to one form (shown as a banner) */
  error = $state<ErrorJSON | null>(null);
  notice = $state<string | null>(null);
  loaded = $state(false);
  /** Preview & apply's preview and push, kept while the user visits other screens */
  readonly pushFlow = new PushFlow();

  selectedRow = $derived(this.library.find((r) => r.sha256 === this.selected) ?? null);

  async load(): Promise<void> {
    await this.run(async () => {
      this.info = await api.appInfo();
      await Promise.all([this.refreshLibrary(), this.refreshTargets()]);
      if (this.targets.length === 0 && this.library.length === 0) this.route = 'welcome';
    });
    this.loaded = true;
  }

  async refreshLibrary(): Promise<void> {
    this.library = await api.listLibrary();
    if (!this.selected || !this.library.some((r) => r.sha256 === this.selected)) this.selected = this.library[0]?.sha256 ?? null;
  }

  async refreshTargets(): Promise<void> {
    this.targets = await api.listTargets();
    this.chosenTargets = this.chosenTargets.filter((id) => this.targets.some((t) => t.id === id));
  }

  go(route: Route): void {
    this.error = null;
    this.notice = null;
    this.route = route;
  }

  inspect(sha256: string): void {
    this.selected = sha256;
    this.go('inspect');
  }

  preview(sha256: string): void {
    this.selected = sha256;
    this.go('apply');
  }

  /** Runs an action, turning a failure into the banner; returns whether it succeeded. */
  async run(action: () => Promise<void>): Promise<boolean> {
    this.error = null;
    const r = await attempt(action);
    if (!r.ok) this.error = r.error;
    return r.ok;
  }
}

export const [getApp, setApp] = createContext<AppState>();
