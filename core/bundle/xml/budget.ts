/**
 * The work budget of XML parsing. Parsing is linear, but each zip entry may inflate 200:1 and a nested
 * .tar.gz 200:1 (bundle-format.md "Default limits"), so a 10 MB bundle may still hold 2 GB of XML: a
 * hundred million tiny elements, each of which costs a callback and maybe an item kept for the summary.
 * The budget bounds that work by counting what costs: one unit per markup token (tag, comment, CDATA,
 * processing instruction), per attribute, per entity reference, per 64 bytes of text, and what the
 * payload parsers keep (products, names, OS paths by length). A bundle may spend XML_NODES_PER_BYTE units
 * per byte of its own size, and never less than XML_NODES_FLOOR (limits.xmlNodesPerByte, minXmlNodes).
 * The sample spends about 0.05 units per byte of bundle, and XML compressed 8:1 with short elements about
 * 0.7, while a 10 MB bundle is held to about 10 million units: about 3 s and 250 MB for `inspect` here,
 * within the bound of issue 8 (≤ 5 s, ≤ 300 MB for any input up to 10 MB).
 * Over budget is ZIP_LIMIT (limit "maxXmlNodes"), like the other "implausible size" limits.
 */
import { CoreError } from '../../errors.js';

/** Units a bundle may spend per byte of its size. */
export const XML_NODES_PER_BYTE = 1;
/** Units any bundle may spend, however small. */
export const XML_NODES_FLOOR = 2_000_000;

/** The budget of one bundle check (shared by every document in it). */
export class XmlBudget {
  used = 0;
  constructor(readonly max: number) {}

  /** The budget for a bundle of `size` bytes. */
  static forBundle(size: number, perByte = XML_NODES_PER_BYTE, floor = XML_NODES_FLOOR): XmlBudget {
    return new XmlBudget(Math.max(floor, Math.ceil(size * perByte)));
  }

  /** Spends `n` units; false once the budget is exhausted (the caller then refuses: ZIP_LIMIT, limit maxXmlNodes). */
  spend(n: number): boolean {
    this.used += n;
    return this.used <= this.max;
  }
}

/** True for the budget's own refusal, which ends a check at once (no later verdict could be cheaper or truer). */
export function isBudgetError(e: unknown): e is CoreError {
  return CoreError.is(e, 'ZIP_LIMIT') && e.details.limit === 'maxXmlNodes';
}

/**
 * The budget of a document checked alongside an earlier one of the same bundle (two lanes, check.ts). Its
 * work is counted apart until the earlier document is done, so neither can run the other out of budget;
 * then `promote()` adds it to the bundle's budget, and from there on it spends there directly. Whether
 * the two spent in order would have run out is then known exactly: in order, this document would be the
 * one refused, and the caller reads it again in turn for the very refusal (entry, offset) it would get.
 */
export class LaneBudget extends XmlBudget {
  private own = 0;
  private state: 'apart' | 'joined' | 'refused' = 'apart';

  constructor(private readonly base: XmlBudget) {
    super(base.max);
  }

  override spend(n: number): boolean {
    if (this.state === 'joined') return this.base.spend(n);
    this.own += n;
    if (this.outOfBudget()) {
      // the bundle's budget is left as it was: the caller reads this document again in turn
      this.state = 'refused';
      return false;
    }
    return true;
  }

  /**
   * The earlier document is done: joins the bundle's budget and returns true, or returns false when, spent
   * in order, the budget would have run out in this document (its work so far is then not counted: the
   * caller stops it and reads it again in turn).
   */
  promote(): boolean {
    if (this.outOfBudget()) {
      this.state = 'refused';
      return false;
    }
    this.state = 'joined';
    this.base.used += this.own;
    return true;
  }

  /** Refused already, or this document's work on top of the bundle's so far is past the budget. */
  private outOfBudget(): boolean {
    return this.state === 'refused' || this.base.used + this.own > this.max;
  }
}
