/**
 * Schemas of the documents the node keeps on disk (./paths.ts): state.json, <id>.content.json and the
 * lines of history.jsonl. A store file is read through them, never cast: a damaged or hand-edited file is
 * STORE_CORRUPT naming the field, never a crash deeper down. Fields added by a newer version are kept
 * (loose objects) where the document is passed on as it is (history), dropped elsewhere.
 */
import { z } from 'zod';
import { COMPONENT_IDS, type ComponentContent, type Versions } from '../bundle/types.js';
import type { HistoryEntry } from './types.js';

const componentId = z.enum(COMPONENT_IDS);
const names = z.array(z.string());

/** Lowercase hex SHA-256. */
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex');

/** The five Update Information versions. */
export const versionsSchema = z.object({
  conditions: z.string(),
  avasWindows: z.string(),
  avasMac: z.string(),
  avasLinux: z.string(),
  supportedOs: z.string(),
}) satisfies z.ZodType<Versions>;

/** states/<id>/<component>.content.json: what a content diff against the node compares with. */
export const componentContentSchema = z.object({
  id: componentId,
  version: z.string(),
  sha256: z.string(),
  conditions: z
    .object({
      checks: names,
      conditions: names,
      remediations: names,
      requirements: names,
      policies: names,
      defaultPolicies: names,
      defaultRequirements: names,
      defaultRemediations: names,
    })
    .optional(),
  products: z
    .array(
      z.object({
        vendor: z.string(),
        vendorId: z.string(),
        product: z.string(),
        productId: z.string(),
        category: z.enum(['antimalware', 'antivirus', 'antispyware', 'firewall']),
        versions: z.string(),
        capabilities: names,
        signatureVersion: z.string().nullable(),
        signatureDate: z.string().nullable(),
      }),
    )
    .optional(),
  os: names.optional(),
}) satisfies z.ZodType<ComponentContent>;

const applied = z.object({ component: componentId, from: z.string(), to: z.string() });
const skipped = z.object({ component: componentId, version: z.string(), reason: z.enum(['same-version', 'dry-run']) });

/** One line of history.jsonl (`prev` is the hash chain's link, history.ts). */
export const historyEntrySchema = z.looseObject({
  at: z.string(),
  sha256: z.string(),
  mode: z.enum(['apply', 'dry-run', 'rollback', 'policy-delete', 'stage']),
  applied: z.array(applied),
  skipped: z.array(skipped).optional(),
  result: z.enum(['success', 'refused', 'failed']),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  who: z.string(),
  file: z.string().optional(),
  createdDefaults: names.optional(),
  policy: z.string().optional(),
  steps: z.number().int().optional(),
  custody: z.object({ signer: z.string(), fingerprint: z.string(), signedAt: z.string() }).optional(),
  prev: z.string().optional(),
}) satisfies z.ZodType<HistoryEntry>;
// `satisfies` lets a schema accept less than the type (a mode missing from the enum): both ways, or a compile error
const _exactHistory: [HistoryEntry['mode'], HistoryEntry['result']] extends [
  z.output<typeof historyEntrySchema>['mode'],
  z.output<typeof historyEntrySchema>['result'],
]
  ? true
  : never = true;

/** The hash chain's link of a history line, whatever else the line holds (`agent history --verify`). */
export const historyLinkSchema = z.object({ prev: z.string() });
