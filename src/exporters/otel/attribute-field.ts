// How the mapping is written: one declaration per attribute (name, type, what it holds, where its
// value comes from), so the code, the table in MAPPING.md and the tests read the same list.
import type { AttributeValue, LogAttributes } from './log-record.js';

export type AttributeType = 'string' | 'int' | 'bool' | 'string[]' | 'int[]';

export interface AttributeField<T> {
  /** The attribute's name; a family of attributes names its varying part `<key>`. */
  readonly name: string;
  readonly type: AttributeType;
  readonly brief: string;
  /** Writes the attribute (or the family's attributes) of `from` into `out` when it has a value. */
  readonly put: (from: T, out: LogAttributes) => void;
}

/** An attribute written when it has a value: not undefined, not an empty string or array. */
export function attribute<T>(
  name: string,
  type: AttributeType,
  brief: string,
  get: (from: T) => AttributeValue | undefined,
): AttributeField<T> {
  return {
    name,
    type,
    brief,
    put: (from, out) => {
      const value = get(from);
      if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
      out[name] = value;
    },
  };
}

/** A flag written only when true: a false one says nothing and would only make records bigger. */
export function flag<T>(name: string, brief: string, get: (from: T) => boolean): AttributeField<T> {
  return {
    name,
    type: 'bool',
    brief: `${brief} (only when true)`,
    put: (from, out) => {
      if (get(from)) out[name] = true;
    },
  };
}

/** The fields of a part of T (an event's process, its file) as fields of T. */
export function within<T, P>(
  part: (from: T) => P | undefined,
  fields: readonly AttributeField<P>[],
): AttributeField<T>[] {
  return fields.map((f) => ({
    ...f,
    put: (from: T, out: LogAttributes) => {
      const p = part(from);
      if (p !== undefined) f.put(p, out);
    },
  }));
}
