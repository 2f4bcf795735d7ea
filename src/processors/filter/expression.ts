import { expressionError, locate, type SourceOrigin } from './errors.js';
import { Lexer, type Token } from './tokens.js';

export type Literal = string | number | bigint | boolean | null;

export interface FieldRef {
  readonly type: 'field';
  readonly path: string;
  readonly offset: number;
}

export interface LiteralOperand {
  readonly type: 'literal';
  readonly value: Literal;
}

export type Operand = FieldRef | LiteralOperand;

export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'startsWith' | 'endsWith' | 'contains';

export type Expr =
  | { readonly type: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'not'; readonly operand: Expr }
  | { readonly type: 'constant'; readonly value: boolean }
  /** A field on its own: true when the field holds the boolean `true`. */
  | { readonly type: 'isTrue'; readonly field: FieldRef }
  | {
      readonly type: 'compare';
      readonly operator: CompareOperator;
      readonly field: FieldRef;
      readonly operand: Operand;
    }
  | {
      readonly type: 'matches';
      readonly field: FieldRef;
      readonly pattern: string;
      readonly patternOffset: number;
    }
  | {
      readonly type: 'in';
      readonly field: FieldRef;
      readonly values: readonly Literal[];
    };

/** What may follow each comparison operator; `what` is the phrase used in "expected ... after". */
const OPERAND_RULES: Readonly<
  Record<CompareOperator, { readonly what: string; readonly accepts: (t: Token) => boolean }>
> = {
  '==': { what: 'a value', accepts: () => true },
  '!=': { what: 'a value', accepts: () => true },
  contains: { what: 'a value', accepts: () => true },
  '<': { what: 'a number or field', accepts: (t) => t.kind === 'integer' },
  '<=': { what: 'a number or field', accepts: (t) => t.kind === 'integer' },
  '>': { what: 'a number or field', accepts: (t) => t.kind === 'integer' },
  '>=': { what: 'a number or field', accepts: (t) => t.kind === 'integer' },
  startsWith: {
    what: 'a string or field',
    accepts: (t) => t.kind === 'string',
  },
  endsWith: { what: 'a string or field', accepts: (t) => t.kind === 'string' },
};

/** Parses a condition into its syntax tree; throws FilterExpressionError (code FILTER_SYNTAX). */
export function parseCondition(source: string, origin?: SourceOrigin): Expr {
  return new Parser(source, origin).parse();
}

/** The token as named in error messages: literals as written, everything else quoted. */
function describe(t: Token): string {
  if (t.kind === 'end') return 'end of input';
  if (t.kind === 'string' || t.kind === 'integer') return t.text;
  return `'${t.text}'`;
}

function literalOf(t: Token): Literal | undefined {
  if (t.kind === 'string' || t.kind === 'integer') return t.value;
  if (t.kind !== 'keyword') return undefined;
  if (t.text === 'true') return true;
  if (t.text === 'false') return false;
  if (t.text === 'null') return null;
  return undefined;
}

/** Recursive descent, one token of lookahead; precedence from loose to tight: or, and, not. */
class Parser {
  private readonly lexer: Lexer;
  private tok: Token;

  constructor(
    private readonly source: string,
    private readonly origin: SourceOrigin | undefined,
  ) {
    this.lexer = new Lexer(source, origin);
    this.tok = this.lexer.next();
  }

  parse(): Expr {
    const expr = this.parseOr(undefined);
    if (this.tok.kind !== 'end') throw this.unexpectedAfter(expr, 'end of input');
    return expr;
  }

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  private isWord(kind: Token['kind'], text: string): boolean {
    return this.tok.kind === kind && this.tok.text === text;
  }

  private parseOr(after: Token | undefined): Expr {
    let left = this.parseAnd(after);
    while (this.isWord('keyword', 'or')) {
      const op = this.advance();
      left = { type: 'or', left, right: this.parseAnd(op) };
    }
    return left;
  }

  private parseAnd(after: Token | undefined): Expr {
    let left = this.parseNot(after);
    while (this.isWord('keyword', 'and')) {
      const op = this.advance();
      left = { type: 'and', left, right: this.parseNot(op) };
    }
    return left;
  }

  private parseNot(after: Token | undefined): Expr {
    if (this.isWord('keyword', 'not')) {
      const op = this.advance();
      return { type: 'not', operand: this.parseNot(op) };
    }
    return this.parsePrimary(after);
  }

  private parsePrimary(after: Token | undefined): Expr {
    const t = this.tok;
    if (t.kind === 'punct' && t.text === '(') {
      this.advance();
      const inner = this.parseOr(t);
      if (!this.isWord('punct', ')')) {
        throw this.unexpectedAfter(inner, `')' to close the '(' at ${this.position(t.offset)}`);
      }
      this.advance();
      return inner;
    }
    if (t.kind === 'keyword' && (t.text === 'true' || t.text === 'false')) {
      this.advance();
      return { type: 'constant', value: t.text === 'true' };
    }
    if (t.kind === 'field') {
      this.advance();
      return this.parseTest({ type: 'field', path: t.text, offset: t.offset });
    }
    throw this.expected('a condition', after);
  }

  /** After a field: an operator and its operand, or nothing (the field is tested for `true`). */
  private parseTest(field: FieldRef): Expr {
    const op = this.tok;
    if (op.kind !== 'operator') return { type: 'isTrue', field };
    this.advance();
    if (op.text === 'matches') {
      const pattern = this.tok;
      if (pattern.kind !== 'string') throw this.expected('a string (a regular expression)', op);
      this.advance();
      return {
        type: 'matches',
        field,
        pattern: pattern.value,
        patternOffset: pattern.offset,
      };
    }
    if (op.text === 'in') return { type: 'in', field, values: this.parseList(op) };
    const operator = op.text as CompareOperator;
    const rule = OPERAND_RULES[operator];
    const t = this.tok;
    if (t.kind === 'field') {
      this.advance();
      return {
        type: 'compare',
        operator,
        field,
        operand: { type: 'field', path: t.text, offset: t.offset },
      };
    }
    const value = literalOf(t);
    if (value === undefined || !rule.accepts(t)) throw this.expected(rule.what, op);
    this.advance();
    return {
      type: 'compare',
      operator,
      field,
      operand: { type: 'literal', value },
    };
  }

  private parseList(inToken: Token): Literal[] {
    if (!this.isWord('punct', '[')) throw this.expected("'['", inToken);
    let previous = this.advance();
    const values: Literal[] = [];
    if (this.isWord('punct', ']')) {
      this.advance();
      return values;
    }
    for (;;) {
      const value = literalOf(this.tok);
      if (value === undefined) throw this.expected('a literal value', previous);
      values.push(value);
      this.advance();
      if (this.isWord('punct', ']')) {
        this.advance();
        return values;
      }
      if (!this.isWord('punct', ',')) throw this.expected("',' or ']' in the list", undefined);
      previous = this.advance();
    }
  }

  /** What may follow a complete condition; a bare field could also have taken an operator. */
  private unexpectedAfter(expr: Expr, closer: string): Error {
    const operator = expr.type === 'isTrue' ? 'an operator, ' : '';
    return this.expected(`${operator}'and', 'or' or ${closer}`, undefined);
  }

  private expected(what: string, after: Token | undefined): Error {
    const context = after === undefined ? '' : ` after '${after.text}'`;
    return expressionError(
      'FILTER_SYNTAX',
      `expected ${what}${context}, found ${describe(this.tok)}`,
      this.source,
      this.tok.offset,
      this.origin,
    );
  }

  private position(offset: number): string {
    const { line, column } = locate(this.source, offset, this.origin);
    return `${line}:${column}`;
  }
}
