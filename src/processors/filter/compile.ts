import { compileAccessor, type FieldAccessor } from "./accessor.js";
import { expressionError, type SourceOrigin } from "./errors.js";
import {
  parseCondition,
  type CompareOperator,
  type Expr,
  type FieldRef,
  type Literal,
} from "./expression.js";
import { suggestField } from "./suggest.js";

/** A compiled condition: synchronous, allocation-free per event. */
export type Condition = (event: object) => boolean;

export interface CompileOptions {
  /** Field paths that exist; any other path is a compile error. Parents of a known path count as known. */
  readonly knownFields?: ReadonlySet<string>;
  /** Where the expression sits in its file, so errors name the file, line and column. */
  readonly origin?: SourceOrigin;
}

type Predicate = (left: unknown, right: unknown) => boolean;

const isNumeric = (v: unknown): v is number | bigint =>
  typeof v === "number" || typeof v === "bigint";

/** Missing fields read as null; a number and a bigint are equal when they hold the same integer. */
function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == null && b == null;
  return typeof a !== typeof b && isNumeric(a) && isNumeric(b) && a == b;
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === "string") return typeof needle === "string" && haystack.includes(needle);
  if (!Array.isArray(haystack)) return false;
  for (let i = 0; i < haystack.length; i++) if (equals(haystack[i], needle)) return true;
  return false;
}

type Ordering = (a: number | bigint, b: number | bigint) => boolean;

const ORDERINGS: Readonly<Record<"<" | "<=" | ">" | ">=", Ordering>> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

const numericOrdering =
  (holds: Ordering): Predicate =>
  (a, b) =>
    isNumeric(a) && isNumeric(b) && holds(a, b);

/** The operators on two values whose types are known only per event (a field on each side). */
const PREDICATES: Readonly<Record<CompareOperator, Predicate>> = {
  "==": equals,
  "!=": (a, b) => !equals(a, b),
  "<": numericOrdering(ORDERINGS["<"]),
  "<=": numericOrdering(ORDERINGS["<="]),
  ">": numericOrdering(ORDERINGS[">"]),
  ">=": numericOrdering(ORDERINGS[">="]),
  startsWith: (a, b) => typeof a === "string" && typeof b === "string" && a.startsWith(b),
  endsWith: (a, b) => typeof a === "string" && typeof b === "string" && a.endsWith(b),
  contains,
};

/** `field == literal` with the literal's type settled now, so an event pays only for the checks it needs. */
function equalsLiteral(get: FieldAccessor, literal: Literal): Condition {
  if (literal === null) return (e) => get(e) == null;
  if (typeof literal === "number" || typeof literal === "bigint") {
    return (e) => {
      const v = get(e);
      return v === literal || (isNumeric(v) && v == literal);
    };
  }
  return (e) => get(e) === literal;
}

/**
 * `field OP literal`, one closure per operator so no per-event dispatch remains. The parser admits only
 * integers after an ordering and only strings after startsWith/endsWith.
 */
function compareWithLiteral(get: FieldAccessor, operator: CompareOperator, literal: Literal): Condition {
  switch (operator) {
    case "==":
      return equalsLiteral(get, literal);
    case "!=": {
      const equal = equalsLiteral(get, literal);
      return (e) => !equal(e);
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const holds = ORDERINGS[operator];
      const bound = literal as number | bigint;
      return (e) => {
        const v = get(e);
        return isNumeric(v) && holds(v, bound);
      };
    }
    case "startsWith": {
      const prefix = literal as string;
      return (e) => {
        const v = get(e);
        return typeof v === "string" && v.startsWith(prefix);
      };
    }
    case "endsWith": {
      const suffix = literal as string;
      return (e) => {
        const v = get(e);
        return typeof v === "string" && v.endsWith(suffix);
      };
    }
    case "contains":
      return (e) => contains(get(e), literal);
  }
}

/**
 * A set that answers `in` without allocating: each integer is stored as a number and as a bigint
 * (when exact), so a bigint field finds a number literal and the other way round.
 */
function membership(values: readonly Literal[]): Set<unknown> {
  const set = new Set<unknown>();
  for (const v of values) {
    set.add(v);
    if (typeof v === "number") set.add(BigInt(v));
    if (typeof v === "bigint" && BigInt(Number(v)) === v) set.add(Number(v));
  }
  return set;
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
      case "and": {
        const left = this.build(expr.left);
        const right = this.build(expr.right);
        return (e) => left(e) && right(e);
      }
      case "or": {
        const left = this.build(expr.left);
        const right = this.build(expr.right);
        return (e) => left(e) || right(e);
      }
      case "not": {
        const operand = this.build(expr.operand);
        return (e) => !operand(e);
      }
      case "constant": {
        const value = expr.value;
        return () => value;
      }
      case "isTrue": {
        const get = this.accessor(expr.field);
        return (e) => get(e) === true;
      }
      case "compare": {
        const get = this.accessor(expr.field);
        if (expr.operand.type === "literal") {
          return compareWithLiteral(get, expr.operator, expr.operand.value);
        }
        const other = this.accessor(expr.operand);
        const holds = PREDICATES[expr.operator];
        return (e) => holds(get(e), other(e));
      }
      case "matches": {
        const get = this.accessor(expr.field);
        const re = this.regex(expr.pattern, expr.patternOffset);
        return (e) => {
          const v = get(e);
          return typeof v === "string" && re.test(v);
        };
      }
      case "in": {
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
      const hint = suggestion === undefined ? "" : ` (did you mean '${suggestion}'?)`;
      throw this.error("FILTER_UNKNOWN_FIELD", `unknown field '${field.path}'${hint}`, field.offset);
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
      const detail = err instanceof Error ? (err.message.split(": ").pop() ?? "") : "";
      throw this.error(
        "FILTER_BAD_REGEX",
        `invalid regular expression ${JSON.stringify(pattern)}: ${detail.toLowerCase()}`,
        offset,
      );
    }
  }

  private error(code: "FILTER_UNKNOWN_FIELD" | "FILTER_BAD_REGEX", reason: string, offset: number): Error {
    return expressionError(code, reason, this.source, offset, this.options.origin);
  }
}

function withParents(fields: ReadonlySet<string>): ReadonlySet<string> {
  const all = new Set<string>();
  for (const path of fields) {
    for (let dot = path.indexOf("."); dot !== -1; dot = path.indexOf(".", dot + 1)) {
      all.add(path.slice(0, dot));
    }
    all.add(path);
  }
  return all;
}
