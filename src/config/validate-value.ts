// Runs one zod schema over one part of the document. A value typed from a whole-value env
// reference (see document-values.ts) goes back to being the string it expanded to wherever
// the schema asks for a string, then the part is validated again.
import type { z } from 'zod';
import type { ConfigPath } from './config-error.js';
import { pathKey } from './document-values.js';
import type { Problem } from './source-document.js';
import { parseOptions, schemaProblems } from './zod-issues.js';

export type Validation<T> = { ok: true; data: T } | { ok: false; problems: Problem[] };

export function validateValue<S extends z.ZodType>(
  schema: S,
  input: unknown,
  base: ConfigPath,
  envTyped: ReadonlyMap<string, string>,
): Validation<z.output<S>> {
  let value = input;
  const restored = new Set<string>();
  for (;;) {
    const result = schema.safeParse(value, parseOptions);
    if (result.success) return { ok: true, data: result.data };
    let changed = false;
    for (const path of stringWanted(result.error.issues, [])) {
      const key = pathKey([...base, ...path]);
      const text = envTyped.get(key);
      if (text === undefined || restored.has(key)) continue;
      restored.add(key);
      value = setAt(value, path, text);
      changed = true;
    }
    if (!changed) return { ok: false, problems: schemaProblems(result.error.issues, schema) };
  }
}

/** Paths where the schema (or one option of a union) wanted a string and got something else. */
function stringWanted(issues: readonly z.core.$ZodIssue[], prefix: ConfigPath): ConfigPath[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'invalid_type' && issue.expected === 'string') return [path];
    if (issue.code === 'invalid_union') return issue.errors.flatMap((branch) => stringWanted(branch, path));
    return [];
  });
}

function setAt(root: unknown, path: ConfigPath, value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return root;
}
