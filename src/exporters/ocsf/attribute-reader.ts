// Reads a record's attributes by type and remembers which were read, so that what the OCSF
// mapping has no place for lands under `unmapped` instead of being lost.
import type { AttributeValue, LogAttributes } from '../otel/log-record.js';

export class AttributeReader {
  private readonly read = new Set<string>();

  constructor(private readonly attributes: LogAttributes) {}

  str(key: string): string | undefined {
    const v = this.attributes[key];
    if (typeof v !== 'string') return undefined;
    this.read.add(key);
    return v;
  }

  int(key: string): number | undefined {
    const v = this.attributes[key];
    if (typeof v !== 'number') return undefined;
    this.read.add(key);
    return v;
  }

  /** A flag: records carry flags only when true. */
  flag(key: string): boolean {
    const v = this.attributes[key] === true;
    if (v) this.read.add(key);
    return v;
  }

  strs(key: string): readonly string[] | undefined {
    const v = this.attributes[key];
    if (!Array.isArray(v) || (v.length > 0 && typeof v[0] !== 'string')) return undefined;
    this.read.add(key);
    return v as string[];
  }

  ints(key: string): readonly number[] | undefined {
    const v = this.attributes[key];
    if (!Array.isArray(v) || (v.length > 0 && typeof v[0] !== 'number')) return undefined;
    this.read.add(key);
    return v as number[];
  }

  /** The attributes nothing has read, by their record names; undefined when there are none. */
  unread(): Record<string, AttributeValue> | undefined {
    let out: Record<string, AttributeValue> | undefined;
    for (const key in this.attributes) {
      if (this.read.has(key)) continue;
      (out ??= {})[key] = this.attributes[key]!;
    }
    return out;
  }
}
