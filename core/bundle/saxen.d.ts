/** Types for the parts of saxen (https://github.com/nikku/saxen, v11) that xml.ts uses; the package ships none. */
declare module 'saxen' {
  export interface SaxenContext {
    line: number;
    column: number;
    data: string;
  }
  type Ctx = () => SaxenContext;
  type Decode = (s: string) => string;
  export interface SaxenHandlers {
    openTag: (name: string, attrs: () => Record<string, string> | false, decode: Decode, selfClosing: boolean, ctx: Ctx) => void;
    closeTag: (name: string, decode: Decode, selfClosing: boolean, ctx: Ctx) => void;
    text: (value: string, decode: Decode, ctx: Ctx) => void;
    cdata: (value: string, ctx: Ctx) => void;
    comment: (value: string, decode: Decode, ctx: Ctx) => void;
    attention: (value: string, decode: Decode, ctx: Ctx) => void;
    question: (value: string, ctx: Ctx) => void;
    error: (err: Error, ctx: Ctx) => void;
    warn: (err: Error, ctx: Ctx) => void;
  }
  export class Parser {
    constructor(options?: { proxy?: boolean });
    ns(map?: Record<string, string>): this;
    on<K extends keyof SaxenHandlers>(event: K, handler: SaxenHandlers[K]): this;
    parse(xml: string): void;
    write(chunk: string): this;
    end(): this;
    stop(): void;
  }
}
