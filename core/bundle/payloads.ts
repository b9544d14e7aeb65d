/**
 * Stream-parses each payload (bundle-format.md "Payloads") into its summary and diffable content:
 * root element, namespace and required attributes are checked (PAYLOAD_INVALID otherwise); the
 * payload's own version is returned for the caller to compare with the manifest's.
 * No DOM: handlers keep counters and the names the diff needs.
 */
import {
  SUMMARY_ROWS,
  type AvasProduct,
  type AvasSummary,
  type ComponentContent,
  type ConditionsSummary,
  type OsGroupNode,
  type OsSummary,
} from './types.js';
import { PAYLOAD_NS, VERSION_RE } from './layout.js';
import type { PayloadKind } from './components.js';
import { own, shapeError, TextField, XmlStream, type XmlStreamOptions, type XmlTag, type XmlWhere } from './xml.js';

const NS = PAYLOAD_NS;

export interface ParsedPayload<S> {
  version: string;
  summary: S;
  content: Omit<ComponentContent, 'id' | 'sha256' | 'version'>;
}

/** A payload parsed as its bytes arrive: write(chunk)…, then end() gives the result. */
export interface PayloadParser<S> {
  write(chunk: Uint8Array): void;
  end(): ParsedPayload<S>;
}

export interface PayloadParseOptions extends XmlStreamOptions {
  /**
   * false: keep only the summary (inspect), not the diffable content (every condition name, product and
   * OS path), so memory does not grow with the payload. The work budget is charged the same either way.
   */
  content?: boolean;
}

/** The parser of a payload, as the component registry describes it (./components.ts `payload`). */
export function parserFor(
  payload: PayloadKind,
  where: XmlWhere,
  opts: PayloadParseOptions = {},
): PayloadParser<ConditionsSummary | AvasSummary | OsSummary> {
  switch (payload.kind) {
    case 'conditions':
      return conditionsParser(where, opts);
    case 'avas':
      return avasParser(where, payload.os, opts);
    case 'os':
      return osParser(where, payload.legacy, opts);
  }
}

/** Budget units for keeping a string of `length` characters (xml/budget.ts). */
const keptCost = (length: number): number => 2 + Math.floor(length / 16);

/** Runs a parser over bytes held in memory. */
function parseAll<S>(parser: PayloadParser<S>, bytes: Uint8Array): ParsedPayload<S> {
  parser.write(bytes);
  return parser.end();
}

function checkRoot(tag: XmlTag, where: XmlWhere, local: string, ns: string): string {
  if (tag.local !== local || tag.uri !== ns)
    throw shapeError(
      where,
      `the root element must be <${local} xmlns="${ns}">, found <${tag.name}>${tag.uri ? ` in ${tag.uri}` : ' without a namespace'}`,
      { expectedRoot: local, root: tag.local, namespace: tag.uri },
    );
  const v = tag.attrs.version;
  if (v === undefined || !VERSION_RE.test(v))
    throw shapeError(where, `the root's version attribute "${v ?? ''}" is not four dot-separated non-negative integers`, {
      version: v ?? null,
    });
  return v;
}

function need(tag: XmlTag, where: XmlWhere, ...names: string[]): void {
  for (const n of names)
    if (!tag.attrs[n]) throw shapeError(where, `<${tag.local}> lacks the required attribute ${n}`, { element: tag.local, attribute: n });
}

const KINDS = {
  check: 'checks',
  condition: 'conditions',
  remediation: 'remediations',
  requirement: 'requirements',
  policy: 'policies',
} as const;
type Kind = (typeof KINDS)[keyof typeof KINDS];

/** posture-conditions.xml, streamed. */
function conditionsParser(where: XmlWhere, opts: PayloadParseOptions = {}): PayloadParser<ConditionsSummary> {
  let version = '';
  const keep = opts.content !== false;
  const names: Record<Kind, string[]> = { checks: [], conditions: [], remediations: [], requirements: [], policies: [] };
  const counts = { checks: 0, conditions: 0, remediations: 0, requirements: 0, policies: 0 };
  const defaults = { requirements: [] as string[], remediations: [] as string[], policies: [] as string[] };
  const stream = new XmlStream(
    {
      open(tag, depth) {
        if (depth === 0) return void (version = own(checkRoot(tag, where, 'postureConditions', NS.conditions)));
        if (depth !== 2 || tag.uri !== NS.conditions) return;
        const kind = KINDS[tag.local as keyof typeof KINDS];
        if (!kind) return;
        const key = tag.local === 'check' ? 'id' : 'name';
        need(tag, where, key);
        const name = own(tag.attrs[key] as string);
        stream.charge(keptCost(name.length));
        counts[kind]++;
        if (keep) names[kind].push(name);
        if (tag.attrs.default === 'true' && kind !== 'checks' && kind !== 'conditions') defaults[kind].push(name);
      },
    },
    where,
    opts,
  );
  return {
    write: (chunk) => stream.write(chunk),
    end: () => {
      stream.end();
      return {
        version,
        summary: { kind: 'conditions', counts: { ...counts }, defaults },
        content: keep
          ? {
              conditions: {
                ...names,
                defaultPolicies: defaults.policies,
                defaultRequirements: defaults.requirements,
                defaultRemediations: defaults.remediations,
              },
            }
          : {},
      };
    },
  };
}

const CATEGORIES = new Set(['antimalware', 'antivirus', 'antispyware', 'firewall']);

/** avas-support-chart-<os>.xml, streamed. */
function avasParser(where: XmlWhere, os: 'windows' | 'mac' | 'linux', opts: PayloadParseOptions = {}): PayloadParser<AvasSummary> {
  let version = '';
  const keep = opts.content !== false;
  let vendors = 0;
  let products = 0;
  let newest: AvasSummary['newest'] = null;
  let vendor = { name: '', id: '' };
  let product: AvasProduct | null = null;
  const capability = new TextField(where, 'a <capability>', 1024);
  let inCapability = false;
  const items: AvasProduct[] = [];
  // products repeat the same few capability lists, categories and version strings: share one copy of each
  // (the summary is read-only data; consumers copy before changing it)
  const shared = new Map<string, string>();
  const intern = (v: string) => shared.get(v) ?? (shared.set(v, own(v)), shared.get(v) as string);
  const capLists = new Map<string, string[]>();
  let caps: string[] = [];
  // whether the product being read is kept (for the content, or as one of the summary's rows): one that is
  // not is read and checked all the same, and shares nothing (its strings are plain copies, never added to
  // the shared ones). Copies, not the parser's slices: a slice keeps its whole batch of text alive (measured:
  // +20 MB peak RSS on the 100 MB sample)
  let kept = false;
  const hold = (v: string): string => (kept ? intern(v) : own(v));
  const stream = new XmlStream(
    {
      open(tag, depth) {
        if (depth === 0) {
          version = own(checkRoot(tag, where, 'avasSupportChart', NS.avas));
          if (tag.attrs.os !== os)
            throw shapeError(where, `the chart is for os="${tag.attrs.os ?? ''}" but this file must hold the ${os} chart`, {
              expectedOs: os,
              os: tag.attrs.os ?? null,
            });
          return;
        }
        if (tag.uri !== NS.avas) return;
        if (depth === 1 && tag.local === 'vendor') {
          need(tag, where, 'id', 'name');
          vendors++;
          vendor = { name: own(tag.attrs.name as string), id: own(tag.attrs.id as string) };
        } else if (depth === 2 && tag.local === 'product') {
          need(tag, where, 'id', 'name', 'category');
          const category = tag.attrs.category as string;
          if (!CATEGORIES.has(category))
            throw shapeError(where, `product "${tag.attrs.name}" has unknown category "${category}"`, {
              product: tag.attrs.name,
              category,
            });
          caps = [];
          // a product is an object of nine fields kept for the summary (and printed by inspect --json); the
          // budget is charged for it whether or not it is kept, so inspect and apply refuse alike
          stream.charge(8 + keptCost((tag.attrs.name as string).length));
          // past the summary's rows a product is still read and checked, and kept only for the content
          kept = keep || items.length < SUMMARY_ROWS;
          const name = tag.attrs.name as string;
          const id = tag.attrs.id as string;
          product = {
            vendor: vendor.name,
            vendorId: vendor.id,
            product: own(name),
            productId: own(id),
            category: hold(category) as AvasProduct['category'],
            versions: hold(tag.attrs.versions ?? ''),
            capabilities: caps,
            signatureVersion: null,
            signatureDate: null,
          };
          products++;
          if (kept) items.push(product);
        } else if (depth === 3 && product && tag.local === 'signature') {
          if (product.signatureVersion !== null)
            throw shapeError(where, `product "${product.product}" has more than one signature`, { product: product.product });
          need(tag, where, 'version');
          const signature = tag.attrs.version as string;
          product.signatureVersion = own(signature);
          product.signatureDate = tag.attrs.date === undefined ? null : hold(tag.attrs.date);
          if (product.signatureDate && (!newest || newest.date < product.signatureDate))
            newest = { version: product.signatureVersion, date: product.signatureDate };
        } else if (depth === 3 && product && tag.local === 'capability') {
          capability.take();
          inCapability = true;
        }
      },
      text(s) {
        if (inCapability) capability.add(s);
      },
      close(local, depth) {
        if (depth === 3 && inCapability && product) {
          caps.push(hold(capability.take()));
          inCapability = false;
        } else if (depth === 2 && local === 'product' && product) {
          if (kept) {
            const key = caps.join('\u0000');
            product.capabilities = capLists.get(key) ?? (capLists.set(key, caps), caps);
          }
          product = null;
        }
      },
    },
    where,
    opts,
  );
  return {
    write: (chunk) => stream.write(chunk),
    end: () => {
      stream.end();
      const rows = items.length > SUMMARY_ROWS ? items.slice(0, SUMMARY_ROWS) : items;
      return {
        version,
        summary: { kind: 'avas', os, vendors, products, items: rows, omitted: products - rows.length, newest },
        content: keep ? { products: items } : {},
      };
    },
  };
}

/** os-groups.xml (tree) or osgroups.xml (legacy flat list) → tree, counts and "Group/Sub/OS" paths. */
export function parseOs(bytes: Uint8Array, where: XmlWhere, legacy: boolean): ParsedPayload<OsSummary> {
  return parseAll(osParser(where, legacy), bytes);
}

/** os-groups.xml or osgroups.xml, streamed. */
function osParser(where: XmlWhere, legacy: boolean, opts: PayloadParseOptions = {}): PayloadParser<OsSummary> {
  let version = '';
  const keep = opts.content !== false;
  const root: OsGroupNode = { name: legacy ? 'Legacy OS list' : '', groups: [], os: [] };
  // each open group with its depth: only the close at that depth ends it (a foreign-namespace <x:group> never does)
  const stack: Array<{ node: OsGroupNode; depth: number; length: number }> = [{ node: root, depth: 0, length: 0 }];
  const paths: string[] = [];
  let osCount = 0;
  let groupCount = 0;
  const stream = new XmlStream(
    {
      open(tag, depth) {
        if (depth === 0) {
          version = own(checkRoot(tag, where, 'osGroups', NS.os));
          if ((tag.attrs.legacy === 'true') !== legacy)
            throw shapeError(
              where,
              legacy ? 'the legacy OS list must have legacy="true"' : 'the OS-groups tree must not be marked legacy',
              { legacy: tag.attrs.legacy ?? null },
            );
          return;
        }
        if (tag.uri !== NS.os) return;
        const top = stack[stack.length - 1] as { node: OsGroupNode; length: number };
        const parent = top.node;
        if (tag.local === 'group') {
          if (legacy) throw shapeError(where, 'the legacy OS list must be flat (no <group>)');
          need(tag, where, 'name');
          const g: OsGroupNode = { name: own(tag.attrs.name as string), groups: [], os: [] };
          parent.groups.push(g);
          stack.push({ node: g, depth, length: top.length + g.name.length + 1 });
          groupCount++;
        } else if (tag.local === 'os') {
          need(tag, where, 'name');
          const name = own(tag.attrs.name as string);
          // each OS keeps its whole "Group/Sub/OS" path: deep groups with long names must not multiply memory
          stream.charge(keptCost(top.length + name.length));
          // the tree lists the first SUMMARY_ROWS; every one is counted, and kept for the content
          if (osCount < SUMMARY_ROWS) parent.os.push(name);
          if (keep) paths.push([...stack.slice(1).map((g) => g.node.name), name].join('/'));
          osCount++;
        }
      },
      close(_local, depth) {
        if (stack.length > 1 && stack[stack.length - 1]?.depth === depth) stack.pop();
      },
    },
    where,
    opts,
  );
  return {
    write: (chunk) => stream.write(chunk),
    end: () => {
      stream.end();
      const tree = legacy ? [root] : root.groups;
      return {
        version,
        summary: {
          kind: 'os',
          legacy,
          osCount,
          groupCount,
          tree,
          omitted: Math.max(0, osCount - SUMMARY_ROWS),
          member: where.member ?? '',
        },
        content: keep ? { os: paths } : {},
      };
    },
  };
}
