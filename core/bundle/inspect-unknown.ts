/**
 * The unknown layout (bundle-format.md: a zip without posture-update.xml): list every entry, open what
 * can be opened (XML root element names, nested .tar.gz member lists), warn UNKNOWN_LAYOUT, and claim
 * no versions. Container faults from read() still propagate: they are refusals in every layout.
 */
import { CoreError, type Warning } from '../errors.js';
import type { CheckOptions } from './options.js';
import type { OpeningBundle } from './read.js';
import type { CheckResult, Inspection, Limits } from './types.js';
import { MANIFEST_NAME } from './layout.js';
import { XmlRootSniffer, type XmlBudget } from './xml.js';
import { TarGzLister } from './tar.js';
import { throwIfCancelled } from './zip/fail.js';

/** Builds the Inspection of a zip in an unknown layout. */
export async function inspectUnknown(
  bundle: OpeningBundle,
  limits: Limits,
  checks: CheckResult[],
  opts: CheckOptions,
  budget: XmlBudget,
): Promise<Inspection> {
  const warning: Warning = {
    code: 'UNKNOWN_LAYOUT',
    message: `This zip has no ${MANIFEST_NAME} at its root, so its versions cannot be read. It was opened and listed, but it cannot be pushed or applied.`,
    details: { file: bundle.fileName },
  };
  checks.push({ id: 'manifest', label: `${MANIFEST_NAME} is present`, status: 'warned', code: warning.code, message: warning.message });
  const opened: NonNullable<Inspection['opened']> = [];
  const files = bundle.entries.filter((e) => !e.name.endsWith('/'));
  let done = 0;
  for (const e of files) {
    throwIfCancelled(opts.signal, bundle.fileName, { file: bundle.fileName });
    opts.onProgress?.({ phase: 'parse', done: done++, total: files.length });
    const lower = e.name.toLowerCase();
    if (lower.endsWith('.xml')) {
      const sniff = new XmlRootSniffer(e.name, budget);
      await bundle.stream(e.name, (chunk) => sniff.write(chunk));
      const root = sniff.end();
      opened.push(root === null ? { name: e.name, kind: 'other' } : { name: e.name, kind: 'xml', root });
      checks.push({
        id: `open:${e.name}`,
        label: `${e.name} opens as XML`,
        status: root === null ? 'warned' : 'passed',
        ...(root === null ? { code: 'PAYLOAD_INVALID', message: `${e.name} is not well-formed XML without DTD` } : {}),
      });
    } else if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) {
      const lister = new TarGzLister(e.name, e.size, limits);
      await bundle
        .stream(e.name, (chunk) => lister.write(chunk))
        .catch((err: unknown) => {
          lister.abort();
          throw err;
        });
      try {
        await lister.end();
        const members = lister.names;
        opened.push({ name: e.name, kind: 'tar.gz', members });
        checks.push({ id: `open:${e.name}`, label: `${e.name} opens as .tar.gz`, status: 'passed' });
      } catch (err) {
        if (err instanceof CoreError && err.code !== 'ZIP_LIMIT' && err.code !== 'PAYLOAD_INVALID') throw err;
        opened.push({ name: e.name, kind: 'other' });
        checks.push({
          id: `open:${e.name}`,
          label: `${e.name} opens as .tar.gz`,
          status: 'warned',
          code: 'PAYLOAD_INVALID',
          message: `${e.name} could not be opened as .tar.gz: ${(err as Error).message}`,
        });
      }
    } else {
      await bundle.stream(e.name, () => undefined); // still inflated once, so CRC, size and limits are checked in every layout
      opened.push({ name: e.name, kind: 'other' });
    }
  }
  return {
    file: bundle.fileName,
    size: bundle.size,
    sha256: await bundle.sha256,
    layout: 'unknown',
    updated: null,
    versions: null,
    components: [],
    entries: bundle.entries,
    warnings: [warning],
    checks,
    opened,
  };
}
