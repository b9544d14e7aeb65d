/** App info, settings and the activity log (CSV and the printable change report). */
import type { HandlerTable } from '../contract.js';
import { VERSION } from '../../version.js';
import { DEFAULT_BUNDLE_URL } from '../../feed/index.js';
import { activityCsv, activityHtml, currentUser } from '../activity.js';
import type { HandlerContext } from './context.js';
import { sshAgentSocket } from './transfer.js';

export function appHandlers(ctx: HandlerContext, onSettingsSaved: () => void = () => {}) {
  return {
    appInfo: async () => ({
      version: VERSION,
      home: ctx.home,
      shell: ctx.shell,
      secrets: ctx.secrets.kind,
      firstRun: ctx.targets.all().length === 0,
      defaultFeedUrl: DEFAULT_BUNDLE_URL,
      sshAgent: sshAgentSocket() !== null,
    }),
    getSettings: async () => ctx.settings.get(),
    saveSettings: async (input) => {
      const saved = ctx.settings.save(input);
      onSettingsSaved();
      return saved;
    },
    listActivity: async () => ctx.activity.list(),
    activityReport: async ({ format }) => {
      const entries = ctx.activity.list();
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-');
      return format === 'csv'
        ? { fileName: `posture-stage-activity-${stamp}.csv`, mimeType: 'text/csv', content: activityCsv(entries) }
        : { fileName: `posture-stage-change-report-${stamp}.html`, mimeType: 'text/html', content: activityHtml(entries, currentUser()) };
    },
  } satisfies Partial<HandlerTable>;
}
