/**
 * Finds where each piece of markup ends, in one pass, so the SAX parser (saxen) is only ever given whole
 * tokens. saxen's own streaming keeps an unfinished token or text run and re-reads it, joined to the next
 * chunk, on every write: a text run or a tag spanning n chunks cost n² (a 1.2 MB bundle padded with
 * whitespace took seconds and gigabytes). Here every character is looked at a bounded number of times:
 * - markup (tags, comments, CDATA, processing instructions, declarations) is collected until its end and
 *   handed over whole, in batches of about BATCH characters cut at token boundaries;
 * - a text run longer than BATCH is handed over directly (never cut inside an entity reference);
 * - one token longer than MAX_MARKUP characters is refused, and inside a tag long whitespace runs are
 *   folded to one space (XML 1.0 §3.1: between attributes only their presence matters), so a padded tag
 *   costs no more than a short one downstream.
 * Batches are slices of the pieces wherever the document is contiguous, so the common case copies nothing:
 * a batch never runs on past the end of a piece, and one that joins parts ends at its first whole token.
 */
import { byteOffset, type Piece } from './chars.js';

/** Where a character is: a piece and an index into its text. */
export interface Pos {
  piece: Piece;
  index: number;
}

/** The byte offset of a position. */
export const offsetOf = (p: Pos): number => byteOffset(p.piece, p.index);

export type TokenKind = 'tag' | 'comment' | 'cdata' | 'pi' | 'decl';

export interface ScanSink {
  /** complete markup and the text between, in document order; `at` is its first character */
  batch(text: string, at: Pos): void;
  /** part of a long text run, handed over before the run ends */
  text(text: string, at: Pos): void;
  /** a whole markup token (before it joins a batch) and its number of quoted values (attributes); its text for a processing instruction only */
  token(kind: TokenKind, at: Pos, attributes: number, text: string): void;
  /** a refusal at a position */
  fail(problem: string, reason: 'malformed' | 'limit', at: Pos, extra?: Record<string, unknown>): Error;
}

/** Characters per hand-over to the parser (and the longest text run kept before it is handed over). */
const BATCH = 64 * 1024;
/** The longest single tag, comment, CDATA section or processing instruction accepted. */
export const MAX_MARKUP = 1024 * 1024;
/** An unquoted stretch of a tag at least this long has its whitespace runs folded to one space each. */
const FOLD = 64;
const WS_RUN = /[ \t\r\n]+/g;

const DELIMITED: Record<'comment' | 'cdata' | 'pi', { end: string; open: number }> = {
  comment: { end: '-->', open: 4 },
  cdata: { end: ']]>', open: 9 },
  pi: { end: '?>', open: 2 },
};

/** Text made of slices of pieces: contiguous slices of one piece merge, so nothing is copied until needed. */
class Run {
  private parts: string[] = [];
  private piece: Piece | null = null;
  private from = 0;
  private to = 0;
  length = 0;
  start: Pos | null = null;

  addRange(piece: Piece, from: number, to: number): void {
    if (to <= from) return;
    if (this.length === 0) this.start = { piece, index: from };
    this.length += to - from;
    if (this.piece === piece && this.to === from) {
      this.to = to;
      return;
    }
    this.close();
    this.piece = piece;
    this.from = from;
    this.to = to;
  }

  addString(s: string, at: Pos): void {
    if (s.length === 0) return;
    if (this.length === 0) this.start = at;
    this.length += s.length;
    this.close();
    this.parts.push(s);
  }

  /** Moves all of `other` to the end of this run (merging contiguous slices). */
  append(other: Run): void {
    if (other.length === 0) return;
    if (this.length === 0) this.start = other.start;
    this.length += other.length;
    if (other.parts.length > 0) {
      this.close();
      this.parts.push(...other.parts);
    }
    if (other.piece) {
      if (other.parts.length === 0 && this.piece === other.piece && this.to === other.from) this.to = other.to;
      else {
        this.close();
        this.piece = other.piece;
        this.from = other.from;
        this.to = other.to;
      }
    }
    other.parts = [];
    other.piece = null;
    other.length = 0;
    other.start = null;
  }

  /** Whether the run is more than one slice of one piece (take() then joins, copying it). */
  get parted(): boolean {
    return this.parts.length + (this.piece ? 1 : 0) > 1;
  }

  private close(): void {
    if (this.piece) this.parts.push(this.piece.text.slice(this.from, this.to));
    this.piece = null;
  }

  /** The text so far; the run is empty afterwards. */
  take(): string {
    const parts = this.drain();
    return parts.length === 1 ? (parts[0] as string) : parts.join('');
  }

  /** The text so far as slices (never joined); the run is empty afterwards. */
  drain(): string[] {
    this.close();
    const parts = this.parts;
    this.parts = [];
    this.length = 0;
    this.start = null;
    return parts;
  }
}

/** Scans pieces in order; call end() after the last one. */
export class MarkupScanner {
  private inMarkup = false;
  private kind: TokenKind | null = null;
  private quote = '';
  private attrs = 0;
  private tokStart: Pos = { piece: { text: '', offset: 0, ascii: true }, index: 0 };
  /** a token that spans pieces (or was folded) is kept here; a token inside one piece is never copied */
  private readonly tok = new Run();
  private readonly batch = new Run();
  private readonly text = new Run();
  private textLast: Pos | null = null;
  /** the last characters of the kept part of the token (for classification and split terminators) */
  private tail = '';

  constructor(private readonly sink: ScanSink) {}

  push(piece: Piece): void {
    const s = piece.text;
    let i = 0;
    while (i < s.length) {
      if (!this.inMarkup) {
        const lt = s.indexOf('<', i);
        const stop = lt === -1 ? s.length : lt;
        if (stop > i) this.addText(piece, i, stop);
        if (lt === -1) return this.flush();
        this.closeText();
        this.inMarkup = true;
        this.kind = null;
        this.quote = '';
        this.attrs = 0;
        this.tail = '';
        this.tokStart = { piece, index: lt };
        i = lt;
      }
      i = this.scanMarkup(piece, i);
    }
    this.flush();
  }

  /** Hands over what is left; an unfinished token is malformed. */
  end(): void {
    if (this.inMarkup) throw this.sink.fail(`unexpected end of document inside a ${this.kind ?? 'tag'}`, 'malformed', this.tokStart);
    this.closeText();
    this.flush();
  }

  // --- text runs

  private addText(piece: Piece, from: number, to: number): void {
    this.textLast = { piece, index: from };
    this.text.addRange(piece, from, to);
    if (this.text.length > BATCH) this.handOverText();
  }

  /** A long run: the batch before it goes first, then the run so far (an entity reference it may end in waits). */
  private handOverText(): void {
    this.flush();
    const start = this.text.start as Pos;
    let carry = '';
    for (const part of this.text.drain()) {
      const s = carry + part;
      // a part may end inside an entity reference (at most 10 characters: &#x10FFFF;), which then goes on
      const tail = s.slice(-10);
      const amp = tail.lastIndexOf('&');
      const keep = amp !== -1 && tail.indexOf(';', amp) === -1 ? tail.length - amp : 0;
      carry = keep ? s.slice(-keep) : '';
      const whole = keep ? s.slice(0, -keep) : s;
      if (whole.length > 0) this.sink.text(whole, start);
    }
    // positions only feed error offsets: a kept tail is placed where the last range began
    if (carry) this.text.addString(carry, this.textLast as Pos);
  }

  /** The text run ended (a token starts, or the document ends): it joins the batch. */
  private closeText(): void {
    this.batch.append(this.text);
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const at = this.batch.start as Pos;
    this.sink.batch(this.batch.take(), at);
  }

  // --- markup

  /** Keeps part of a token that spans pieces or was folded. */
  private keep(s: string, at: Pos): void {
    this.tok.addString(s, at);
    this.tail = (this.tail + s.slice(-9)).slice(-9);
    this.checkLength(0);
  }

  private checkLength(more: number): void {
    if (this.tok.length + more > MAX_MARKUP)
      throw this.sink.fail(`a ${this.kind ?? 'tag'} longer than ${MAX_MARKUP} characters`, 'limit', this.tokStart, {
        limit: 'maxMarkupChars',
        max: MAX_MARKUP,
      });
  }

  /** Scans markup from s[i]; returns the index after its end, or s.length when it goes on in the next piece. */
  private scanMarkup(piece: Piece, i: number): number {
    const s = piece.text;
    if (this.kind === null) {
      const head = (this.tail + s.slice(i, i + 9)).slice(0, 9);
      this.kind = classify(head);
      if (this.kind === null) {
        this.keep(s.slice(i), { piece, index: i });
        return s.length;
      }
    }
    if (this.kind === 'tag' || this.kind === 'decl') return this.scanTag(piece, i);
    const { end, open } = DELIMITED[this.kind];
    const stop = this.findEnd(s, i, end, open);
    if (stop === -1) {
      this.checkLength(s.length - i);
      this.keep(s.slice(i), { piece, index: i });
      return s.length;
    }
    this.checkLength(stop - i);
    this.finishToken(piece, i, stop);
    return stop;
  }

  /** The index just past `end` in s; it may start in the kept part, but never inside the opening. */
  private findEnd(s: string, i: number, end: string, open: number): number {
    const usable = Math.max(0, Math.min(end.length - 1, this.tok.length - open));
    if (usable > 0) {
      const probe = this.tail.slice(-usable) + s.slice(i, i + end.length - 1);
      const p = probe.indexOf(end);
      if (p !== -1 && p < usable) return i + p + end.length - usable;
    }
    const q = s.indexOf(end, i + Math.max(0, open - this.tok.length));
    return q === -1 ? -1 : q + end.length;
  }

  /**
   * The next `"`, `'` and `>` of the current piece at or after a position. Scanning only moves forward,
   * so each is found with one native indexOf per occurrence (a character class regex is ~30× slower on
   * long stretches, such as whitespace padding inside a tag).
   */
  private readonly ahead = { piece: null as Piece | null, '"': -2, "'": -2, '>': -2 };

  private next(piece: Piece, ch: '"' | "'" | '>', from: number): number {
    const a = this.ahead;
    if (a.piece !== piece) {
      a.piece = piece;
      a['"'] = a["'"] = a['>'] = -2;
    }
    let at = a[ch];
    // -2: not looked yet; -1: none from where it was looked (and so none further on either)
    if (at === -2 || (at !== -1 && at < from)) a[ch] = at = piece.text.indexOf(ch, from);
    return at;
  }

  /** A tag (or a `<!…>` declaration): ends at the first `>` outside quotes. */
  private scanTag(piece: Piece, i: number): number {
    const s = piece.text;
    let kept = i;
    let j = i;
    for (;;) {
      if (this.quote) {
        const q = this.next(piece, this.quote as '"' | "'", j);
        if (q === -1) {
          this.checkLength(s.length - kept);
          this.keep(s.slice(kept), { piece, index: kept });
          return s.length;
        }
        this.quote = '';
        this.attrs++;
        j = q + 1;
        continue;
      }
      let stop = s.length;
      for (const ch of ['"', "'", '>'] as const) {
        const at = this.next(piece, ch, j);
        if (at !== -1 && at < stop) stop = at;
      }
      if (stop - j >= FOLD) {
        // whitespace padding between attributes: keep one space of each run
        if (j > kept) this.keep(s.slice(kept, j), { piece, index: kept });
        this.keep(s.slice(j, stop).replace(WS_RUN, ' '), { piece, index: j });
        kept = stop;
      }
      if (stop === s.length) {
        this.checkLength(s.length - kept);
        this.keep(s.slice(kept), { piece, index: kept });
        return s.length;
      }
      const c = s[stop] as string;
      if (c === '>') {
        this.checkLength(stop + 1 - kept);
        this.finishToken(piece, kept, stop + 1);
        return stop + 1;
      }
      this.quote = c;
      j = stop + 1;
    }
  }

  /** The token ends at s[to - 1]; s[from, to) is its last part in this piece. */
  private finishToken(piece: Piece, from: number, to: number): void {
    const at = this.tokStart;
    this.inMarkup = false;
    const kind = this.kind as TokenKind;
    if (this.tok.length === 0) {
      // the text is cut out only where it is read (a processing instruction): this runs for every token
      this.sink.token(kind, at, this.attrs, kind === 'pi' ? piece.text.slice(from, to) : '');
      this.batch.addRange(piece, from, to);
    } else {
      this.tok.addRange(piece, from, to);
      const token = this.tok.take();
      this.sink.token(kind, at, this.attrs, token);
      this.batch.addString(token, at);
    }
    // a batch is one slice of a piece (nothing copied): it is handed over at a piece's end (push), and one
    // that had to join parts (text or a token spanning two pieces) as soon as its first token is whole
    if (this.batch.length >= BATCH || this.batch.parted) this.flush();
  }
}

/** The kind of markup a token's first (up to 9) characters announce, or null when more are needed. */
function classify(head: string): TokenKind | null {
  if (head.length < 2) return null;
  if (head[1] === '?') return 'pi';
  if (head[1] !== '!') return 'tag';
  if (head.length < 4 && '<!--'.startsWith(head)) return null;
  if (head.startsWith('<!--')) return 'comment';
  if (head.length < 9 && '<![CDATA['.startsWith(head)) return null;
  if (head.startsWith('<![CDATA[')) return 'cdata';
  return 'decl';
}
