/**
 * The bundle's records as other layers read them back — from the node's store files, from a node's answers,
 * from the library's records: one schema each, bounded (a version string ≤ 100 characters, a name ≤ 4096),
 * so every reader refuses the same things.
 */
import { z } from 'zod';
import { COMPONENT_IDS, type ComponentContent, type Versions } from './types.js';

const version = z.string().max(100);
const name = z.string().max(4096);
const names = z.array(name);

/** One of the five components. */
export const componentIdSchema = z.enum(COMPONENT_IDS);

/** The five Update Information versions. */
export const versionsSchema = z.object({
  conditions: version,
  avasWindows: version,
  avasMac: version,
  avasLinux: version,
  supportedOs: version,
}) satisfies z.ZodType<Versions>;

/** What a content diff compares: a component's version, SHA-256 and the names it holds. */
export const componentContentSchema = z.object({
  id: componentIdSchema,
  version,
  sha256: z.string().max(100),
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
        vendor: name,
        vendorId: name,
        product: name,
        productId: name,
        category: z.enum(['antimalware', 'antivirus', 'antispyware', 'firewall']),
        versions: name,
        capabilities: names,
        signatureVersion: name.nullable(),
        signatureDate: name.nullable(),
      }),
    )
    .optional(),
  os: names.optional(),
}) satisfies z.ZodType<ComponentContent>;
