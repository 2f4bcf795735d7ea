import { expressionError, type SourceOrigin } from './errors.js';

const WORD_OPERATORS = ['startsWith', 'endsWith', 'contains', 'matches', 'in'] as const;
const KEYWORDS = ['and', 'or', 'not', 'true', 'false', 'null'] as const;

/** `text` is the token as written in the source; `offset` is where it starts (0-based). */
export type Token = { readonly text: string; readonly offset: number } & (
  | { readonly kind: 'field' }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'integer'; readonly value: number | bigint }
  | { readonly kind: 'operator' }
  | { readonly kind: 'keyword' }
  | { readonly kind: 'punct' }
  | { readonly kind: 'end' }
);

const SYMBOL_OPERATORS = ['==', '!=', '<=', '>=', '<', '>'];
const PUNCTUATION = '()[],';
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  n: '\n',
  r: '\r',
  t: '\t',
};
/** Spellings users bring from other languages (VRL, JS), answered with the form we use. */
const FOREIGN_SYMBOLS: Readonly<Record<string, string>> = {
  '&&': "use 'and' instead of '&&'",
  '||': "use 'or' instead of '||'",
  '!': "use 'not' instead of '!'",
  '=': "use '==' to compare",
  "'": 'strings are written in double quotes',
};

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWordStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isWordPart = (c: string): boolean => isWordStart(c) || isDigit(c);

/** Splits a condition into tokens on demand, so the first error in reading order is the one reported. */
export class Lexer {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly origin: SourceOrigin | undefined,
  ) {}

  next(): Token {
    const src = this.source;
    while (this.pos < src.length && isSpace(src[this.pos] ?? '')) this.pos++;
    const start = this.pos;
    const c = src[start];
    if (c === undefined) return { kind: 'end', text: '', offset: start };
    if (c === '"') return this.readString(start);
    if (isDigit(c) || (c === '-' && isDigit(src[start + 1] ?? ''))) return this.readInteger(start);
    if (isWordStart(c)) return this.readWord(start);
    if (PUNCTUATION.includes(c)) {
      this.pos++;
      return { kind: 'punct', text: c, offset: start };
    }
    const symbol = SYMBOL_OPERATORS.find((op) => src.startsWith(op, start));
    if (symbol !== undefined) {
      this.pos += symbol.length;
      return { kind: 'operator', text: symbol, offset: start };
    }
    const foreign = Object.keys(FOREIGN_SYMBOLS).find((s) => src.startsWith(s, start));
    const hint = foreign === undefined ? '' : ` (${FOREIGN_SYMBOLS[foreign]})`;
    throw this.error(`unexpected character '${c}'${hint}`, start);
  }

  private readString(start: number): Token {
    const src = this.source;
    let value = '';
    let i = start + 1;
    for (;;) {
      const c = src[i];
      if (c === undefined || c === '\n') throw this.error('unterminated string', start);
      if (c === '"') break;
      if (c !== '\\') {
        value += c;
        i++;
        continue;
      }
      const e = src[i + 1] ?? '';
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        i += 2;
      } else if (e === 'u') {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw this.error("expected 4 hex digits after '\\u' in string", i);
        }
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        throw this.error(
          `unknown escape '\\${e}' in string (write '\\\\' for a backslash, e.g. "\\\\." in a regular expression)`,
          i,
        );
      }
    }
    this.pos = i + 1;
    return {
      kind: 'string',
      value,
      text: src.slice(start, this.pos),
      offset: start,
    };
  }

  private readInteger(start: number): Token {
    const src = this.source;
    let i = start + 1;
    while (isDigit(src[i] ?? '')) i++;
    if (src[i] === '.' || isWordPart(src[i] ?? '')) {
      let end = i;
      while (src[end] === '.' || isWordPart(src[end] ?? '')) end++;
      throw this.error(`invalid number '${src.slice(start, end)}' (only integers are supported)`, start);
    }
    this.pos = i;
    const text = src.slice(start, i);
    const big = BigInt(text);
    // Integers a double cannot hold exactly stay bigints, so 64-bit ids and counters compare exactly.
    const exact = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
    return {
      kind: 'integer',
      value: exact ? Number(big) : big,
      text,
      offset: start,
    };
  }

  /** A keyword, a word operator or a dotted field path; a path that is exactly a reserved word is that word. */
  private readWord(start: number): Token {
    const src = this.source;
    let i = start;
    for (;;) {
      while (isWordPart(src[i] ?? '')) i++;
      if (src[i] !== '.') break;
      if (!isWordStart(src[i + 1] ?? '')) {
        throw this.error("expected a field name after '.'", i + 1);
      }
      i++;
    }
    this.pos = i;
    const text = src.slice(start, i);
    if ((KEYWORDS as readonly string[]).includes(text)) return { kind: 'keyword', text, offset: start };
    if ((WORD_OPERATORS as readonly string[]).includes(text)) return { kind: 'operator', text, offset: start };
    return { kind: 'field', text, offset: start };
  }

  private error(reason: string, offset: number): Error {
    return expressionError('FILTER_SYNTAX', reason, this.source, offset, this.origin);
  }
}
