// zod issues -> problems a user can act on: which key, whether the key or its value is wrong,
// and what was expected instead of what was written.
import type { z } from 'zod';
import { show } from '../common/expectations.js';
import { suggestField } from '../common/suggest.js';
import type { ConfigPath } from './config-error.js';
import { describeSchema, knownKeys, quoteList, schemaAt } from './schema-describe.js';
import type { Problem } from './source-document.js';

/**
 * The message zod issues get while we validate (see `parseOptions`): it marks zod's own wording,
 * which we replace, apart from messages a schema's author wrote, which we keep.
 */
const ZOD_DEFAULT = '\u0000zod-default';

export const parseOptions = { error: () => ZOD_DEFAULT, reportInput: true } as const;

type Issue = z.core.$ZodIssue;

export function schemaProblems(issues: readonly Issue[], schema: z.core.$ZodType): Problem[] {
  return issues.flatMap((issue) => problemsOf(issue, [], schema));
}

function problemsOf(issue: Issue, prefix: ConfigPath, schema: z.core.$ZodType): Problem[] {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  // A discriminated union reports the whole mapping as its input, and the tag's key in its path.
  const value =
    issue.code === 'invalid_union' && issue.discriminator ? field(issue.input, issue.discriminator) : issue.input;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(schemaAt(schema, path));
    return issue.keys.map((key) => ({ path: [...path, key], anchor: 'key', message: unknownKey(key, known) }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branch = closestBranch(issue.errors);
    if (branch) return branch.flatMap((i) => problemsOf(i, path, schema));
  }
  if (issue.message !== ZOD_DEFAULT) return [{ path, anchor: 'value', message: issue.message }];
  if (value === undefined && path.length > 0) {
    const key = path.at(-1);
    return [{ path: path.slice(0, -1), anchor: 'key', message: `missing required key "${String(key)}"` }];
  }
  return [{ path, anchor: 'value', message: `${expectation(issue, schemaAt(schema, path))}, got ${show(value)}` }];
}

/**
 * For a value no option of a union accepted: the option it came closest to, i.e. one whose issues
 * are all below the union (the value had the right shape, a detail was wrong), fewest issues
 * first. None when every option rejected the value's type outright.
 */
function closestBranch(branches: readonly Issue[][]): Issue[] | undefined {
  const shaped = branches.filter((issues) =>
    issues.every((i) => i.path.length > 0 || (i.code !== 'invalid_type' && i.code !== 'invalid_value')),
  );
  return shaped.sort((a, b) => a.length - b.length)[0];
}

function unknownKey(key: string, known: readonly string[]): string {
  const suggestion = suggestField(key, known);
  if (suggestion !== undefined) return `unknown key "${key}" (did you mean "${suggestion}"?)`;
  if (known.length === 0) return `unknown key "${key}" (no keys are allowed here)`;
  return `unknown key "${key}" (expected one of: ${known.join(', ')})`;
}

/** "expected ..." for an issue zod describes in its own words. */
function expectation(issue: Issue, schema: z.core.$ZodType | undefined): string {
  const described = describeSchema(schema);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${described ?? nounFor(issue.expected)}`;
    case 'too_small':
      if (issue.origin === 'string')
        return issue.minimum === 1 ? 'expected a non-empty string' : `expected at least ${issue.minimum} characters`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return issue.minimum === 1 ? 'expected a non-empty list' : `expected at least ${issue.minimum} items`;
      return `expected ${described ?? `a number of at least ${issue.minimum}`}`;
    case 'too_big':
      if (issue.origin === 'string') return `expected at most ${issue.maximum} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `expected at most ${issue.maximum} items`;
      return `expected ${described ?? `a number of at most ${issue.maximum}`}`;
    case 'invalid_value': {
      const expected = issue.values.length === 1 ? quoteList(issue.values) : `one of ${quoteList(issue.values)}`;
      const strings = issue.values.filter((v): v is string => typeof v === 'string');
      const suggestion = typeof issue.input === 'string' ? suggestField(issue.input, strings) : undefined;
      return suggestion === undefined ? `expected ${expected}` : `expected ${expected} (did you mean "${suggestion}"?)`;
    }
    case 'invalid_union':
      // A discriminated union whose tag matched no option.
      if ('options' in issue && issue.options && issue.options.length > 0)
        return `expected one of ${quoteList(issue.options)}`;
      return `expected ${described ?? 'a different value'}`;
    case 'invalid_format':
      if (issue.format === 'regex' && issue.pattern) return `expected a string matching ${issue.pattern}`;
      if (issue.format === 'starts_with')
        return `expected a string starting with ${JSON.stringify(field(issue, 'prefix'))}`;
      if (issue.format === 'ends_with')
        return `expected a string ending with ${JSON.stringify(field(issue, 'suffix'))}`;
      if (issue.format === 'includes')
        return `expected a string containing ${JSON.stringify(field(issue, 'includes'))}`;
      return `expected a valid ${issue.format}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    default:
      return `expected ${described ?? 'a different value'}`;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function nounFor(zodType: string): string {
  if (zodType === 'object' || zodType === 'record' || zodType === 'map') return 'a mapping';
  if (zodType === 'array') return 'a list';
  if (zodType === 'int') return 'an integer';
  return `a ${zodType}`;
}
