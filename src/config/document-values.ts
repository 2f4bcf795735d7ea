// Turns the YAML tree into plain values for schema validation, expanding `${env:...}` in
// every string value (not in keys) on the way, before any schema sees them.
//
// Typing of expanded values: a plain (unquoted) scalar that is exactly one reference is typed
// the way YAML types what it expands to, as if the text had been written there: `port:
// ${env:PORT}` with PORT=8080 gives the number 8080, `"${env:PORT}"` the string "8080". Such
// values are remembered in `envTyped`, so that where the schema wants a string the original
// string is used instead (a zip code "0123" stays "0123").
import { isAlias, isMap, isScalar, isSeq, parse as parseYaml, type Node, type YAMLMap } from 'yaml';
import type { ConfigIssue, ConfigPath } from './config-error.js';
import { expandEnv } from './env-expansion.js';
import { keyText, type SourceDocument } from './source-document.js';

export interface DocumentValues {
  root: unknown;
  /** Values typed from a whole-value env reference: path key (see `pathKey`) -> the expanded string. */
  envTyped: Map<string, string>;
  /** Values that could not be read (an unset variable, an unknown anchor), already reported: schema errors about them or below them would only repeat it. */
  failed: Set<string>;
  issues: ConfigIssue[];
}

export function pathKey(path: ConfigPath): string {
  return JSON.stringify(path);
}

export function documentValues(doc: SourceDocument, env: NodeJS.ProcessEnv): DocumentValues {
  const out: DocumentValues = { root: undefined, envTyped: new Map(), failed: new Set(), issues: [] };
  const active = new Set<Node>();
  const reportedDuplicates = new Set<unknown>();

  const convert = (node: unknown, path: (string | number)[]): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc.yaml) as Node | undefined;
      const problem =
        target === undefined
          ? `unknown anchor "*${node.source}"`
          : active.has(target)
            ? `alias "*${node.source}" refers to a mapping or list that contains it`
            : undefined;
      if (problem === undefined) return convert(target, path);
      out.issues.push(doc.issueAtOffset(node.range?.[0] ?? 0, path, problem));
      out.failed.add(pathKey(path));
      return null;
    }
    const n = node as Node;
    active.add(n);
    try {
      if (isMap(n)) {
        const obj: Record<string, unknown> = {};
        for (const pair of n.items) {
          const key = keyText(pair.key);
          if (key === undefined) {
            const at = (pair.key as Node | null)?.range?.[0] ?? 0;
            out.issues.push(doc.issueAtOffset(at, path, 'a key must be a plain string, not a mapping or a list'));
            continue;
          }
          if (Object.hasOwn(obj, key)) {
            // Reported once even when an alias makes us read this mapping again.
            if (!reportedDuplicates.has(pair.key)) {
              reportedDuplicates.add(pair.key);
              const at = (pair.key as Node).range?.[0] ?? 0;
              out.issues.push(
                doc.issueAtOffset(
                  at,
                  [...path, key],
                  `duplicate key "${key}" (first written at line ${doc.position(firstKeyOffset(n, key)).line})`,
                ),
              );
            }
            continue;
          }
          // defineProperty: a key named `__proto__` is data here, not the object's prototype.
          Object.defineProperty(obj, key, {
            value: convert(pair.value, [...path, key]),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return obj;
      }
      if (isSeq(n)) return n.items.map((item, i) => convert(item, [...path, i]));
      if (isScalar(n)) return scalar(n.value, n.type === 'PLAIN', n.range?.[0] ?? 0, n.source ?? '', path);
      return null;
    } finally {
      active.delete(n);
    }
  };

  const scalar = (value: unknown, plain: boolean, start: number, source: string, path: ConfigPath): unknown => {
    if (typeof value !== 'string') return value;
    const expansion = expandEnv(value, env);
    if (expansion.errors.length > 0) out.failed.add(pathKey(path));
    for (const e of expansion.errors) {
      // The reference is normally written verbatim in the source; find it there for an exact column.
      const raw = doc.text.indexOf(e.text, start);
      const at = raw >= 0 && raw < start + Math.max(source.length, value.length) + 2 ? raw : start;
      out.issues.push(doc.issueAtOffset(at, path, e.message));
    }
    if (!(plain && expansion.whole)) return expansion.value;
    const typed = typeOf(expansion.value);
    if (typed !== undefined) out.envTyped.set(pathKey(path), expansion.value);
    return typed ?? expansion.value;
  };

  out.root = convert(doc.root, []);
  return out;
}

function firstKeyOffset(map: YAMLMap, key: string): number {
  const first = map.items.find((p) => keyText(p.key) === key);
  return (first?.key as Node | undefined)?.range?.[0] ?? 0;
}

/** The number or boolean YAML would read from `text`, if it reads one. */
function typeOf(text: string): number | boolean | undefined {
  try {
    const v: unknown = parseYaml(text);
    return typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}
