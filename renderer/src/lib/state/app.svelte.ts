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
  /**
   * The one banner (issue 12 §5): a notice or a failure not tied to one form. A newer one replaces it, so banners
   * never pile up; App.svelte draws it in one aria-live region over the page, so it never shifts the page.
   */
  banner = $state<{ kind: 'notice'; text: string } | { kind: 'error'; error: ErrorJSON; title?: string } | null>(null);
  loaded = $state(false);
  /** Preview & apply's preview and push, kept while the user visits other screens */
  readonly pushFlow = new PushFlow();
  /** the library folder's change counter last seen (the list reloads when it moves) */
  #libraryVersion: number | null = null;

  get error(): ErrorJSON | null {
    return this.banner?.kind === 'error' ? this.banner.error : null;
  }
  set error(error: ErrorJSON | null) {
    if (error) this.banner = { kind: 'error', error };
    else if (this.banner?.kind === 'error') this.banner = null;
  }
  get notice(): string | null {
    return this.banner?.kind === 'notice' ? this.banner.text : null;
  }
  set notice(text: string | null) {
    if (text) this.banner = { kind: 'notice', text };
    else if (this.banner?.kind === 'notice') this.banner = null;
  }

  /** Shows a failure with its own title ("Bundle refused", "Fetch failed"), replacing any banner. */
  fail(error: ErrorJSON, title?: string): void {
    this.banner = { kind: 'error', error, ...(title ? { title } : {}) };
  }

  selectedRow = $derived(this.library.find((r) => r.sha256 === this.selected) ?? null);

  async load(): Promise<void> {
    await this.run(async () => {
      this.info = await api.appInfo();
      await Promise.all([this.refreshLibrary(), this.refreshTargets()]);
      if (this.targets.length === 0 && this.library.length === 0) this.route = 'welcome';
    });
    this.loaded = true;
  }

  /**
   * Follows the library folder (a bundle added from a terminal, another window, a copy changed on disk): a light
   * poll of the app's change counter while the page is visible.
   */
  watchLibrary(intervalMs = 1500): () => void {
    const tick = async () => {
      if (document.visibilityState !== 'visible') return;
      try {
        const { version } = await api.libraryChanges();
        if (this.#libraryVersion !== null && version !== this.#libraryVersion) await this.refreshLibrary();
        this.#libraryVersion = version;
      } catch {
        // the host is gone or restarting: the next action says so; the poll tries again
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    return () => clearInterval(timer);
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
