/** Reads one field of an event; `undefined` when the field or any object on its path is missing. */
export type FieldAccessor = (event: object) => unknown;

/**
 * Compiles a dotted path once into a function of plain property reads, e.g. for `process.binary`:
 *
 *   let v = e["process"]; if (typeof v !== "object" || v === null) return undefined; return v["binary"];
 *
 * Generated rather than built from shared closures because each generated function keeps its own
 * property caches: closures made at one site share them, and with many paths those reads go
 * megamorphic (about 2x slower per field, see bench/filter). Keys enter the code only as JSON string
 * literals, so no path can inject code. Only objects are descended into: `file.path.length` is missing.
 */
export function compileAccessor(path: string): FieldAccessor {
  const [first = '', ...rest] = path.split('.');
  const lines = [`let v = e[${JSON.stringify(first)}];`];
  for (const key of rest) {
    lines.push(`if (typeof v !== "object" || v === null) return undefined;`, `v = v[${JSON.stringify(key)}];`);
  }
  lines.push('return v;');
  // Generated on purpose: keys enter only as JSON string literals (tested against injection),
  // and one straight-line function is about twice as fast as a chain of closures.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('e', lines.join('\n')) as FieldAccessor;
}
