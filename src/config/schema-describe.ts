// Reads a zod schema to say, in words, what a setting expects ("a positive integer", `one of
// "block", "drop_newest"`) and which keys a mapping accepts, so that errors can say what was
// expected rather than echo zod's generic messages.
import { z } from 'zod';
import { expectations } from '../common/expectations.js';
import type { ConfigPath } from './config-error.js';

type Schema = z.core.$ZodType;

function defOf(schema: Schema): z.core.$ZodTypes['_zod']['def'] {
  return (schema as z.core.$ZodTypes)._zod.def;
}

/** Strips wrappers that do not change what a value must look like (optional, default, readonly...). */
function unwrap(schema: Schema): Schema {
  for (let i = 0; i < 32; i++) {
    if (expectations.has(schema)) return schema;
    const def = defOf(schema);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'nonoptional':
      case 'readonly':
      case 'catch':
        schema = def.innerType;
        break;
      case 'lazy':
        schema = def.getter();
        break;
      case 'pipe':
        // A preprocess step is a pipe from a transform: what the value must be is on the out side.
        schema = defOf(def.in).type === 'transform' ? def.out : def.in;
        break;
      default:
        return schema;
    }
  }
  return schema;
}

/** The schema that validates the value at `path` below `schema`, when it can be found. */
export function schemaAt(schema: Schema, path: ConfigPath): Schema | undefined {
  let current = unwrap(schema);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const def = defOf(current);
    let next: Schema | undefined;
    if (def.type === 'object' && typeof segment === 'string') next = def.shape[segment] ?? openCatchall(def.catchall);
    else if (def.type === 'record' && typeof segment === 'string') next = def.valueType;
    else if (def.type === 'array' && typeof segment === 'number') next = def.element;
    else if (def.type === 'tuple' && typeof segment === 'number') next = def.items[segment] ?? def.rest ?? undefined;
    else if (def.type === 'union') {
      const rest = path.slice(i);
      for (const option of def.options) {
        const found = schemaAt(option, rest);
        if (found) return found;
      }
      return undefined;
    } else if (def.type === 'intersection') {
      const rest = path.slice(i);
      return schemaAt(def.left, rest) ?? schemaAt(def.right, rest);
    }
    if (next === undefined) return undefined;
    current = unwrap(next);
  }
  return current;
}

/** `.strict()` sets a catchall of `never`: no schema for other keys. */
function openCatchall(catchall: Schema | undefined): Schema | undefined {
  return catchall === undefined || defOf(catchall).type === 'never' ? undefined : catchall;
}

/** The keys a mapping schema accepts (every option's keys for a union of mappings). */
export function knownKeys(schema: Schema | undefined): string[] {
  if (schema === undefined) return [];
  const s = unwrap(schema);
  const def = defOf(s);
  if (def.type === 'object') return Object.keys(def.shape);
  if (def.type === 'union') return [...new Set(def.options.flatMap((o) => knownKeys(o)))];
  if (def.type === 'intersection') return [...knownKeys(def.left), ...knownKeys(def.right)];
  return [];
}

export function quoteList(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ');
}

/** What `schema` expects, as a noun phrase: "a positive integer", "a list", `one of "a", "b"`. */
export function describeSchema(schema: Schema | undefined): string | undefined {
  if (schema === undefined) return undefined;
  const s = unwrap(schema);
  const registered = expectations.get(s);
  if (registered) return registered.expected;
  const def = defOf(s);
  switch (def.type) {
    case 'string':
      return describeString(def.checks ?? []);
    case 'number':
      // z.int() and friends carry their format on the schema itself rather than as a check.
      return describeNumber(def.checks ?? [], 'format' in def ? String(def.format) : undefined);
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'an empty value';
    case 'enum':
      return `one of ${quoteList(Object.values(def.entries))}`;
    case 'literal':
      return def.values.length === 1 ? quoteList(def.values) : `one of ${quoteList(def.values)}`;
    case 'array':
    case 'tuple':
      return hasMinimumOne(def.checks ?? []) ? 'a non-empty list' : 'a list';
    case 'object':
    case 'record':
    case 'map':
      return 'a mapping';
    case 'union': {
      const parts = def.options.map((o) => describeSchema(o));
      if (parts.some((p) => p === undefined)) return undefined;
      const unique = [...new Set(parts)];
      // "true or false, or one of ..." rather than "true or false or one of ...".
      return unique.join(unique.some((p) => p?.includes(' or ')) ? ', or ' : ' or ');
    }
    default:
      return undefined;
  }
}

function checkDefs(checks: readonly z.core.$ZodCheck[]): z.core.$ZodChecks['_zod']['def'][] {
  return checks.map((c) => (c as z.core.$ZodChecks)._zod.def);
}

function hasMinimumOne(checks: readonly z.core.$ZodCheck[]): boolean {
  return checkDefs(checks).some((c) => (c.check === 'min_length' || c.check === 'min_size') && c.minimum >= 1);
}

function describeString(checks: readonly z.core.$ZodCheck[]): string {
  for (const c of checkDefs(checks)) {
    if (c.check === 'string_format' && c.format === 'regex' && c.pattern)
      return `a string matching ${String(c.pattern)}`;
    if (c.check === 'string_format' && c.format !== 'regex') return `a valid ${c.format}`;
  }
  return hasMinimumOne(checks) ? 'a non-empty string' : 'a string';
}

interface Bound {
  value: number;
  inclusive: boolean;
}

function describeNumber(checks: readonly z.core.$ZodCheck[], schemaFormat: string | undefined): string {
  let integer = false;
  let low: Bound | undefined;
  let high: Bound | undefined;
  const format = (f: string): void => {
    integer = f.includes('int');
    if (f.startsWith('uint') && low === undefined) low = { value: 0, inclusive: true };
  };
  if (schemaFormat !== undefined) format(schemaFormat);
  for (const c of checkDefs(checks)) {
    if (c.check === 'number_format') {
      format(c.format);
    } else if (c.check === 'greater_than') {
      low = { value: Number(c.value), inclusive: c.inclusive };
    } else if (c.check === 'less_than') {
      high = { value: Number(c.value), inclusive: c.inclusive };
    }
  }
  // Formats such as safeint carry their own huge limits; they say nothing a reader needs.
  if (high && Math.abs(high.value) >= Number.MAX_SAFE_INTEGER) high = undefined;
  if (low && Math.abs(low.value) >= Number.MAX_SAFE_INTEGER) low = undefined;
  if (integer) {
    // For integers, "> 0" reads better as "at least 1".
    if (low && !low.inclusive && Number.isInteger(low.value)) low = { value: low.value + 1, inclusive: true };
    if (high && !high.inclusive && Number.isInteger(high.value)) high = { value: high.value - 1, inclusive: true };
  }
  const noun = integer ? 'integer' : 'number';
  const article = integer ? 'an' : 'a';
  if (high === undefined && low !== undefined) {
    if ((low.value === 0 && !low.inclusive) || (integer && low.value === 1)) return `a positive ${noun}`;
    if (low.value === 0 && low.inclusive) return `a non-negative ${noun}`;
  }
  if (low?.inclusive && high?.inclusive) return `${article} ${noun} from ${low.value} to ${high.value}`;
  const limits = [
    low && (low.inclusive ? `at least ${low.value}` : `greater than ${low.value}`),
    high && (high.inclusive ? `at most ${high.value}` : `less than ${high.value}`),
  ].filter((t): t is string => t !== undefined);
  return limits.length === 0 ? `${article} ${noun}` : `${article} ${noun} ${limits.join(' and ')}`;
}
