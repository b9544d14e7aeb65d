/**
 * The work budget of XML parsing. Parsing is linear, but a zip may inflate 200:1 and a nested .tar.gz
 * 200:1 again (bundle-format.md "Default limits"), so a 10 MB bundle may still hold 2 GB of dense markup:
 * hundreds of millions of tiny elements, each of which costs a callback. The budget bounds that work by
 * counting what costs: one unit per markup token (tag, comment, CDATA, processing instruction), per
 * attribute and per entity reference. A bundle may spend XML_NODES_PER_BYTE units per byte of its own
 * size, and never less than XML_NODES_FLOOR; real content uses a small fraction of that (the sample: one
 * unit per ~60 bytes). Over budget is ZIP_LIMIT, like the other "implausible size" limits.
 */
import type { CoreError } from '../../errors.js';

/** Units a bundle may spend per byte of its size. */
export const XML_NODES_PER_BYTE = 1;
/** Units any bundle may spend, however small. */
export const XML_NODES_FLOOR = 4_000_000;

/** The budget of one bundle check (shared by every document in it). */
export class XmlBudget {
  used = 0;
  constructor(readonly max: number) {}

  /** The budget for a bundle of `size` bytes. */
  static forBundle(size: number, perByte = XML_NODES_PER_BYTE, floor = XML_NODES_FLOOR): XmlBudget {
    return new XmlBudget(Math.max(floor, Math.ceil(size * perByte)));
  }

  /** Spends `n` units; `over` builds the refusal when the budget is exhausted. */
  spend(n: number, over: (max: number) => CoreError): void {
    this.used += n;
    if (this.used > this.max) throw over(this.max);
  }
}
