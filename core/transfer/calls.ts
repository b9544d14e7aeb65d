/**
 * Every read or command the node client sends, written once for both transports: the HTTPS route
 * (interfaces.md "Node agent HTTPS API") and the `CMD agent … --json` command line run over SSH, with the
 * schema both answers are parsed with. A new node call is one more entry here and one method in connection.ts.
 */
import type { z } from 'zod';
import { answers } from './answers.js';

export interface AgentCall<T> {
  /** for messages: "status", "apply", … */
  what: string;
  /** the HTTPS API request; `text` answers (the log) become `{lines}` */
  http: { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: Record<string, unknown>; text?: boolean };
  /** argv after `CMD agent`; the transport adds `--store DIR --json` */
  cli: string[];
  schema: z.ZodType<T>;
  /** where the CLI's document differs from the API's, the schema that parses it into the same answer */
  cliSchema?: z.ZodType<T>;
}

export const calls = {
  status: (): AgentCall<z.infer<typeof answers.status>> => ({
    what: 'status',
    http: { method: 'GET', path: '/api/v1/status' },
    cli: ['status'],
    schema: answers.status,
  }),
  history: (): AgentCall<z.infer<typeof answers.history>> => ({
    what: 'history',
    http: { method: 'GET', path: '/api/v1/history' },
    cli: ['history'],
    schema: answers.history,
  }),
  log: (lines: number): AgentCall<z.infer<typeof answers.log>> => ({
    what: 'log',
    http: { method: 'GET', path: `/api/v1/log?lines=${lines}`, text: true },
    cli: ['log', '--lines', String(lines)],
    schema: answers.log,
  }),
  content: (): AgentCall<z.infer<typeof answers.content>> => ({
    what: 'content',
    http: { method: 'GET', path: '/api/v1/content' },
    cli: ['status', '--content'],
    schema: answers.content,
    cliSchema: answers.sshContent.transform(({ content, ...status }) => ({ status, state: content })),
  }),
  verify: (file: string): AgentCall<z.infer<typeof answers.verification>> => ({
    what: 'verify',
    http: { method: 'GET', path: `/api/v1/inbox/${encodeURIComponent(file)}` },
    cli: ['verify', file],
    schema: answers.verification,
  }),
  apply: (file: string, opts: { dryRun?: boolean; allowDowngrade?: boolean }): AgentCall<z.infer<typeof answers.apply>> => ({
    what: 'apply',
    http: {
      method: 'POST',
      path: '/api/v1/apply',
      body: { file, ...(opts.dryRun ? { dryRun: true } : {}), ...(opts.allowDowngrade ? { allowDowngrade: true } : {}) },
    },
    cli: ['apply', file, ...(opts.dryRun ? ['--dry-run'] : []), ...(opts.allowDowngrade ? ['--allow-downgrade'] : [])],
    schema: answers.apply,
  }),
  rollback: (): AgentCall<z.infer<typeof answers.rollback>> => ({
    what: 'rollback',
    http: { method: 'POST', path: '/api/v1/rollback' },
    cli: ['rollback'],
    schema: answers.rollback,
  }),
  staged: (): AgentCall<z.infer<typeof answers.staged>> => ({
    what: 'staged',
    http: { method: 'GET', path: '/api/v1/staged' },
    cli: ['staged'],
    schema: answers.staged,
  }),
  policies: (): AgentCall<z.infer<typeof answers.policies>> => ({
    what: 'policies',
    http: { method: 'GET', path: '/api/v1/policies' },
    cli: ['policies', 'list'],
    schema: answers.policies,
  }),
};
