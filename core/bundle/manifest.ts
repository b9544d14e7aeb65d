/**
 * Reads the manifest `posture-update.xml` (bundle-format.md "Manifest"): an Atom feed with the
 * `update:` extension namespace, exactly one entry per component id of the reference layout.
 * Rule violations are MANIFEST_INVALID, a missing component is COMPONENT_MISSING, and
 * supported-os/supported-os-legacy with different versions is VERSION_MISMATCH.
 */
import { CoreError } from '../errors.js';
import { COMPONENT_IDS, type ComponentId } from './types.js';
import { ATOM_NS, MANIFEST_NAME, UPDATE_NS, VERSION_RE } from './layout.js';
import { shapeError, TextField, XmlStream, type XmlStreamOptions, type XmlWhere } from './xml.js';

export interface ManifestEntry {
  component: ComponentId;
  version: string;
  sha256: string;
  length: number;
  href: string;
}

export interface Manifest {
  updated: string | null;
  entries: Map<ComponentId, ManifestEntry>;
}

const WHERE: XmlWhere = { entry: MANIFEST_NAME, code: 'MANIFEST_INVALID' };

interface Draft {
  component?: string;
  version?: string;
  sha256?: string;
  length?: string;
  href?: string;
  rel?: string;
}

/** The manifest parsed as its bytes arrive: write(chunk)…, then end() validates and gives the result. */
export function manifestParser(opts: XmlStreamOptions = {}): { write(chunk: Uint8Array): void; end(): Manifest } {
  let updated: string | null = null;
  const drafts: Draft[] = [];
  let draft: Draft | null = null;
  let field: string | null = null;
  const text = new TextField(WHERE, 'a manifest field', 1024);
  const stream = new XmlStream(
    {
      open(tag, depth) {
        if (depth === 0) {
          if (tag.local !== 'feed' || tag.uri !== ATOM_NS)
            throw shapeError(WHERE, `the root element must be an Atom <feed>, found <${tag.name}>${tag.uri ? ` in ${tag.uri}` : ''}`);
          return;
        }
        text.take();
        field = null;
        if (depth === 1) {
          if (tag.uri === ATOM_NS && tag.local === 'entry') drafts.push((draft = {}));
          else if (tag.uri === ATOM_NS && tag.local === 'updated') field = 'feed-updated';
          return;
        }
        if (depth === 2 && draft) {
          if (tag.uri === UPDATE_NS && ['component', 'version', 'sha256'].includes(tag.local)) field = tag.local;
          else if (tag.uri === ATOM_NS && tag.local === 'link' && (tag.attrs.rel ?? 'alternate') === 'enclosure') {
            if (draft.href !== undefined) throw shapeError(WHERE, 'an entry has more than one enclosure link');
            draft.href = tag.attrs.href;
            draft.length = tag.attrs.length;
            draft.rel = 'enclosure';
          }
        }
      },
      text(s) {
        if (field) text.add(s);
      },
      close(_local, depth) {
        if (field === 'feed-updated' && depth === 1) updated = text.take();
        else if (field && draft && depth === 2) {
          const key = field as 'component' | 'version' | 'sha256';
          if (draft[key] !== undefined) throw shapeError(WHERE, `an entry has more than one update:${key}`);
          draft[key] = text.take();
        }
        if (depth === 1) draft = null;
        field = null;
      },
    },
    WHERE,
    opts,
  );
  return {
    write: (chunk) => stream.write(chunk),
    end: () => {
      stream.end();
      return validate(updated, drafts);
    },
  };
}

function validate(updated: string | null, drafts: Draft[]): Manifest {
  const entries = new Map<ComponentId, ManifestEntry>();
  for (const d of drafts) {
    const c = d.component;
    if (c === undefined) throw shapeError(WHERE, 'an entry has no update:component');
    if (!(COMPONENT_IDS as readonly string[]).includes(c))
      throw shapeError(WHERE, `unknown component id "${c}"`, { component: c, known: COMPONENT_IDS });
    const id = c as ComponentId;
    if (entries.has(id))
      throw shapeError(WHERE, `component "${id}" is listed more than once`, { component: id, reason: 'duplicate-component' });
    if (d.version === undefined || !VERSION_RE.test(d.version))
      throw shapeError(WHERE, `component "${id}" has version "${d.version ?? ''}", which is not four dot-separated non-negative integers`, {
        component: id,
        version: d.version ?? null,
      });
    if (d.sha256 === undefined || !/^[0-9a-f]{64}$/.test(d.sha256))
      throw shapeError(WHERE, `component "${id}" has no valid update:sha256 (64 lowercase hex digits)`, {
        component: id,
        sha256: d.sha256 ?? null,
      });
    if (d.href === undefined || d.href === '')
      throw shapeError(WHERE, `component "${id}" has no <link rel="enclosure" href="…">`, { component: id });
    if (d.length === undefined || !/^\d{1,15}$/.test(d.length))
      throw shapeError(WHERE, `component "${id}" has link length "${d.length ?? ''}", which is not a byte count`, {
        component: id,
        length: d.length ?? null,
      });
    entries.set(id, { component: id, version: d.version, sha256: d.sha256, length: Number(d.length), href: d.href });
  }
  for (const id of COMPONENT_IDS) {
    if (!entries.has(id)) {
      throw new CoreError(
        'COMPONENT_MISSING',
        `The manifest lists no "${id}" component; a posture update bundle must carry all of ${COMPONENT_IDS.join(', ')}. The bundle is incomplete; download it again.`,
        { component: id, entry: MANIFEST_NAME },
      );
    }
  }
  const os = entries.get('supported-os') as ManifestEntry;
  const legacy = entries.get('supported-os-legacy') as ManifestEntry;
  if (os.version !== legacy.version) {
    throw new CoreError(
      'VERSION_MISMATCH',
      `supported-os is version ${os.version} but supported-os-legacy is ${legacy.version}; both must carry the same Cisco supported OS version. The bundle is inconsistent.`,
      { component: 'supported-os-legacy', expected: os.version, actual: legacy.version, entry: MANIFEST_NAME },
    );
  }
  return { updated, entries };
}
