/**
 * The push moment's state, kept by the app (not the screen), so leaving Preview & apply and coming back
 * still shows a running or finished push: the preview (asking each node, cancellable), the rows it gives
 * (who would take the bundle, who would refuse and why), and the push job followed by its pushed events.
 */
import type { PushTargetResult, TargetPreview } from '../../../../core/app/contract';
import { api } from '../api';
import { previewRow, type PreviewRow } from '../push-words';
import { Action } from './action.svelte';
import { JobWatch } from './job.svelte';

export class PushFlow {
  dryRun = $state(false);
  allowDowngrade = $state(false);
  /** the push view is shown (from Push until "Back to preview") */
  showing = $state(false);
  /** the bundle and targets the current preview or push is about */
  sha256 = $state<string | null>(null);
  /** rows left out of the push (they would refuse), shown in the result as "not pushed" */
  leftOut = $state<PreviewRow[]>([]);
  readonly preview = new Action((op, sha256: string, targetIds: string[]) => api.previewApply({ sha256, targetIds }, op));
  readonly push = new JobWatch();
  readonly start = new Action((op, sha256: string, targetIds: string[]) =>
    api.startPush({ sha256, targetIds, dryRun: this.dryRun, allowDowngrade: this.allowDowngrade }, op),
  );

  previews = $derived<TargetPreview[] | null>(this.preview.busy ? null : this.preview.value);
  rows = $derived<PreviewRow[]>((this.previews ?? []).map((p) => previewRow(p, this.allowDowngrade)));
  pushable = $derived(this.rows.filter((r) => r.pushable));
  results = $derived<PushTargetResult[] | null>(
    this.push.job?.state === 'done' && Array.isArray(this.push.job.result) ? (this.push.job.result as PushTargetResult[]) : null,
  );

  /** Asks every chosen node what it holds (a new preview replaces the old one). */
  async ask(sha256: string, targetIds: string[]): Promise<void> {
    this.sha256 = sha256;
    this.preview.value = null;
    await this.preview.run(sha256, targetIds);
  }

  /** Forgets the preview (the bundle or the targets changed). */
  forget(): void {
    this.preview.value = null;
    this.preview.dismiss();
  }

  /** Pushes to the targets that would take the bundle and shows the push view. */
  async go(): Promise<void> {
    if (!this.sha256 || this.pushable.length === 0) return;
    this.leftOut = this.rows.filter((r) => !r.pushable);
    const started = await this.start.run(
      this.sha256,
      this.pushable.map((r) => r.targetId),
    );
    if (!started) return;
    this.showing = true;
    await this.push.follow(started.jobId);
  }

  /** Back to the preview after a push ended (its result stays in Activity). */
  back(): void {
    this.showing = false;
    this.forget();
  }
}
