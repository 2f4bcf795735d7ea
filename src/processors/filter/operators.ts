/** What each operator means on event values; see README.md, "Meaning". */
import type { FieldAccessor } from './accessor.js';
import type { CompareOperator, Literal } from './expression.js';

/** A compiled condition: synchronous, allocation-free per event. */
export type Condition = (event: object) => boolean;

type Predicate = (left: unknown, right: unknown) => boolean;

const isNumeric = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';

/** Missing fields read as null; a number and a bigint are equal when they hold the same integer. */
function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == null && b == null;
  return typeof a !== typeof b && isNumeric(a) && isNumeric(b) && a == b;
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
  if (!Array.isArray(haystack)) return false;
  for (let i = 0; i < haystack.length; i++) if (equals(haystack[i], needle)) return true;
  return false;
}

type Ordering = (a: number | bigint, b: number | bigint) => boolean;

const ORDERINGS: Readonly<Record<'<' | '<=' | '>' | '>=', Ordering>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const numericOrdering =
  (holds: Ordering): Predicate =>
  (a, b) =>
    isNumeric(a) && isNumeric(b) && holds(a, b);

/** The operators on two values whose types are known only per event (a field on each side). */
export const PREDICATES: Readonly<Record<CompareOperator, Predicate>> = {
  '==': equals,
  '!=': (a, b) => !equals(a, b),
  '<': numericOrdering(ORDERINGS['<']),
  '<=': numericOrdering(ORDERINGS['<=']),
  '>': numericOrdering(ORDERINGS['>']),
  '>=': numericOrdering(ORDERINGS['>=']),
  startsWith: (a, b) => typeof a === 'string' && typeof b === 'string' && a.startsWith(b),
  endsWith: (a, b) => typeof a === 'string' && typeof b === 'string' && a.endsWith(b),
  contains,
};

/** `field == literal` with the literal's type settled now, so an event pays only for the checks it needs. */
function equalsLiteral(get: FieldAccessor, literal: Literal): Condition {
  if (literal === null) return (e) => get(e) == null;
  if (typeof literal === 'number' || typeof literal === 'bigint') {
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
export function compareWithLiteral(get: FieldAccessor, operator: CompareOperator, literal: Literal): Condition {
  switch (operator) {
    case '==':
      return equalsLiteral(get, literal);
    case '!=': {
      const equal = equalsLiteral(get, literal);
      return (e) => !equal(e);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const holds = ORDERINGS[operator];
      const bound = literal as number | bigint;
      return (e) => {
        const v = get(e);
        return isNumeric(v) && holds(v, bound);
      };
    }
    case 'startsWith': {
      const prefix = literal as string;
      return (e) => {
        const v = get(e);
        return typeof v === 'string' && v.startsWith(prefix);
      };
    }
    case 'endsWith': {
      const suffix = literal as string;
      return (e) => {
        const v = get(e);
        return typeof v === 'string' && v.endsWith(suffix);
      };
    }
    case 'contains':
      return (e) => contains(get(e), literal);
  }
}

/**
 * A set that answers `in` without allocating: each integer is stored as a number and as a bigint
 * (when exact), so a bigint field finds a number literal and the other way round.
 */
export function membership(values: readonly Literal[]): Set<unknown> {
  const set = new Set<unknown>();
  for (const v of values) {
    set.add(v);
    if (typeof v === 'number') set.add(BigInt(v));
    if (typeof v === 'bigint' && BigInt(Number(v)) === v) set.add(Number(v));
  }
  return set;
}
