/**
 * The node's answers, parsed at the boundary (interfaces.md "Node agent HTTPS API" and `agent … --json`:
 * the same documents over both transports), and its refusals decoded once into CoreErrors. A node is
 * another machine: nothing it sends is cast, every field is checked; unknown extra fields are dropped.
 */
import { z } from 'zod';
import { CoreError, isErrorCode } from '../errors.js';
import { messageFor } from '../error-catalogue.js';
import { COMPONENT_IDS, type NodeContentState } from '../bundle/types.js';
import type {
  ApplyResult,
  HistoryEntry,
  InboxVerification,
  NodeContentAnswer,
  NodePolicy,
  NodeStatus,
  RollbackResult,
  StagedBundle,
} from '../agent/types.js';

const version = z.string().max(100);
const name = z.string().max(4096);
const names = z.array(name);
const componentId = z.enum(COMPONENT_IDS);

const versions = z.object({
  conditions: version,
  avasWindows: version,
  avasMac: version,
  avasLinux: version,
  supportedOs: version,
});

const status = z.object({
  versions,
  lastSuccessfulUpdate: z.string().max(100).nullable(),
  lastUpdateStatus: z.string().max(4096),
  updateMode: z.literal('Offline'),
  defaultPoliciesCreated: z.boolean(),
  updating: z.boolean(),
  name: name.optional(),
  defaultPolicies: names.optional(),
  agentVersion: z.string().max(64).optional(),
}) satisfies z.ZodType<NodeStatus>;

const applied = z.object({ component: componentId, from: version, to: version });
const skipped = z.object({ component: componentId, version, reason: z.enum(['same-version', 'dry-run']) });

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const signer = z.object({ name, fingerprint: z.string().max(200), signedAt: z.string().max(100) });

const stagedBundle = z.object({
  sha256: hex64,
  size: z.number().int().nonnegative(),
  layout: z.enum(['reference', 'unknown']),
  stagedAt: z.string().max(100),
  by: name,
  signer: signer.optional(),
  file: name.optional(),
  outcome: z.enum(['staged', 'applied', 'skipped']),
  versions: versions.optional(),
}) satisfies z.ZodType<StagedBundle>;

const applyResult = z.object({
  sha256: hex64,
  applied: z.array(applied),
  skipped: z.array(skipped),
  status,
  dryRun: z.boolean().optional(),
  createdDefaults: names.optional(),
  outcome: z.enum(['applied', 'staged', 'skipped']).optional(),
  staged: stagedBundle.extend({ already: z.boolean() }).optional(),
}) satisfies z.ZodType<ApplyResult>;

const historyEntry = z.object({
  at: z.string().max(100),
  sha256: z.string().max(100),
  mode: z.enum(['apply', 'dry-run', 'rollback', 'policy-delete', 'stage']),
  applied: z.array(applied),
  skipped: z.array(skipped).optional(),
  result: z.enum(['success', 'refused', 'failed']),
  error: z.object({ code: z.string().max(100), message: z.string().max(10_000) }).optional(),
  who: name,
  file: name.optional(),
  createdDefaults: names.optional(),
  policy: name.optional(),
  layout: z.enum(['reference', 'unknown']).optional(),
  already: z.boolean().optional(),
  custody: z.object({ signer: name, fingerprint: z.string().max(200), signedAt: z.string().max(100) }).optional(),
}) satisfies z.ZodType<HistoryEntry>;

const avasProduct = z.object({
  vendor: name,
  vendorId: name,
  product: name,
  productId: name,
  category: z.enum(['antimalware', 'antivirus', 'antispyware', 'firewall']),
  versions: name,
  capabilities: names,
  signatureVersion: name.nullable(),
  signatureDate: name.nullable(),
});

const conditionsIndex = z.object({
  checks: names,
  conditions: names,
  remediations: names,
  requirements: names,
  policies: names,
  defaultPolicies: names,
  defaultRequirements: names,
  defaultRemediations: names,
});

const componentContent = z.object({
  id: componentId,
  version,
  sha256: z.string().max(100),
  conditions: conditionsIndex.optional(),
  products: z.array(avasProduct).optional(),
  os: names.optional(),
});

const contentState = z.object({
  versions,
  components: z.partialRecord(componentId, componentContent),
}) satisfies z.ZodType<NodeContentState>;

const verification = z.object({
  file: name,
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
}) satisfies z.ZodType<InboxVerification>;

const policy = z.object({
  name,
  kind: z.enum(['policy', 'requirement', 'remediation']),
  createdAt: z.string().max(100),
}) satisfies z.ZodType<NodePolicy>;

/** One schema per answer; the SSH `agent status --content` answer carries the content beside the status. */
export const answers = {
  status,
  history: z.object({ updates: z.array(historyEntry) }),
  log: z.object({ lines: z.array(z.string().max(1_000_000)) }),
  content: z.object({ status, state: contentState }) satisfies z.ZodType<NodeContentAnswer>,
  sshContent: status.extend({ content: contentState }),
  verification,
  apply: applyResult,
  rollback: z.object({ restored: z.object({ versions }), status }) satisfies z.ZodType<RollbackResult>,
  policies: z.object({ policies: z.array(policy) }),
  staged: z.object({ staged: z.array(stagedBundle).max(100_000) }),
  custody: z.object({ sha256: hex64, signer: z.object({ fingerprint: z.string().max(200), comment: name }).nullable() }),
};

/**
 * Parses one answer; a document that does not fit is the node's fault, never a crash here: INTERNAL
 * naming the node and the first field that did not fit (a different version of posture-stage on the node, usually).
 */
export function parseAnswer<T>(schema: z.ZodType<T>, doc: unknown, what: string, node: string): T {
  const r = schema.safeParse(doc);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new CoreError(
    'INTERNAL',
    `${node} gave an answer to ${what} this version cannot read (${issue ? `${issue.path.join('.') || 'answer'}: ${issue.message}` : 'not the expected document'}). Check that the node runs the same posture-stage version as this computer.`,
    { node, what, issues: r.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })) },
  );
}

const errorDoc = z.object({
  ok: z.literal(false),
  error: z.looseObject({ code: z.string().max(100).optional(), message: z.string().max(10_000).optional() }),
});

/**
 * The node's refusal `{"ok":false,"error":{code,message,…details}}` as a CoreError, or null when `doc`
 * is no refusal. One decoding for both transports: the node's 401 (`UNAUTHORIZED`) is the client's
 * `AUTH_FAILED` (interfaces.md transfer codes); a code this version does not know stays in the details.
 */
export function nodeRefusal(doc: unknown, node: string, extra: Record<string, unknown> = {}): CoreError | null {
  const r = errorDoc.safeParse(doc);
  if (!r.success) return null;
  const { code, message, ...details } = r.data.error;
  if (code === 'UNAUTHORIZED')
    return new CoreError('AUTH_FAILED', `${node} refused the token (401). Use the token file \`agent init\` wrote on that node.`, {
      node,
      ...extra,
    });
  const known = isErrorCode(code) ? code : 'INTERNAL';
  return new CoreError(known, messageFor(known, message), {
    ...details,
    ...extra,
    node,
    ...(known !== code && code !== undefined ? { nodeCode: code } : {}),
  });
}
