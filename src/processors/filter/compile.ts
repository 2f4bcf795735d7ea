import { compileAccessor, type FieldAccessor } from './accessor.js';
import { expressionError, type SourceOrigin } from './errors.js';
import { parseCondition, type Expr, type FieldRef } from './expression.js';
import { compareWithLiteral, membership, PREDICATES, type Condition } from './operators.js';
import { suggestField } from '../../common/suggest.js';

export type { Condition } from './operators.js';

export interface CompileOptions {
  /** Field paths that exist; any other path is a compile error. Parents of a known path count as known. */
  readonly knownFields?: ReadonlySet<string>;
  /** Where the expression sits in its file, so errors name the file, line and column. */
  readonly origin?: SourceOrigin;
}

/** Parses and compiles a condition; throws FilterExpressionError on bad syntax, unknown fields or bad regexes. */
export function compileCondition(source: string, options: CompileOptions = {}): Condition {
  return new Compiler(source, options).build(parseCondition(source, options.origin));
}

class Compiler {
  private readonly accessors = new Map<string, FieldAccessor>();
  private readonly known: ReadonlySet<string> | undefined;

  constructor(
    private readonly source: string,
    private readonly options: CompileOptions,
  ) {
    this.known = options.knownFields && withParents(options.knownFields);
  }

  build(expr: Expr): Condition {
    switch (expr.type) {
      case 'and': {
        const left = this.build(expr.left);
        const right = this.build(expr.right);
        return (e) => left(e) && right(e);
      }
      case 'or': {
        const left = this.build(expr.left);
        const right = this.build(expr.right);
        return (e) => left(e) || right(e);
      }
      case 'not': {
        const operand = this.build(expr.operand);
        return (e) => !operand(e);
      }
      case 'constant': {
        const value = expr.value;
        return () => value;
      }
      case 'isTrue': {
        const get = this.accessor(expr.field);
        return (e) => get(e) === true;
      }
      case 'compare': {
        const get = this.accessor(expr.field);
        if (expr.operand.type === 'literal') {
          return compareWithLiteral(get, expr.operator, expr.operand.value);
        }
        const other = this.accessor(expr.operand);
        const holds = PREDICATES[expr.operator];
        return (e) => holds(get(e), other(e));
      }
      case 'matches': {
        const get = this.accessor(expr.field);
        const re = this.regex(expr.pattern, expr.patternOffset);
        return (e) => {
          const v = get(e);
          return typeof v === 'string' && re.test(v);
        };
      }
      case 'in': {
        const get = this.accessor(expr.field);
        const set = membership(expr.values);
        return (e) => {
          const v = get(e);
          return set.has(v === undefined ? null : v);
        };
      }
    }
  }

  private accessor(field: FieldRef): FieldAccessor {
    if (this.known !== undefined && !this.known.has(field.path)) {
      const suggestion = suggestField(field.path, this.known);
      const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
      throw this.error('FILTER_UNKNOWN_FIELD', `unknown field '${field.path}'${hint}`, field.offset);
    }
    let get = this.accessors.get(field.path);
    if (get === undefined) {
      get = compileAccessor(field.path);
      this.accessors.set(field.path, get);
    }
    return get;
  }

  private regex(pattern: string, offset: number): RegExp {
    try {
      // No flags: a non-global regex keeps no state between test() calls.
      return new RegExp(pattern);
    } catch (err) {
      const detail = err instanceof Error ? (err.message.split(': ').pop() ?? '') : '';
      throw this.error(
        'FILTER_BAD_REGEX',
        `invalid regular expression ${JSON.stringify(pattern)}: ${detail.toLowerCase()}`,
        offset,
      );
    }
  }

  private error(code: 'FILTER_UNKNOWN_FIELD' | 'FILTER_BAD_REGEX', reason: string, offset: number): Error {
    return expressionError(code, reason, this.source, offset, this.options.origin);
  }
}

/** The known paths plus every parent of one: `process` is known when `process.uid` is. */
function withParents(fields: ReadonlySet<string>): ReadonlySet<string> {
  const all = new Set<string>();
  for (const path of fields) {
    const segments = path.split('.');
    for (let n = 1; n <= segments.length; n++) {
      all.add(segments.slice(0, n).join('.'));
    }
  }
  return all;
}
