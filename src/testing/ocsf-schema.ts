// The OCSF schema as tests check events against it: the classes ebpipe maps to and every object
// they reach, compiled by the OCSF project's compiler from its repository at the release ebpipe
// names (scripts/ocsf/schema.sh wrote src/exporters/ocsf/testdata/ocsf-schema.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/paths.js';

export interface SchemaAttribute {
  requirement: 'required' | 'recommended' | 'optional';
  /** A scalar type (string_t, integer_t, ...) or an object's name. */
  type: string;
  is_array?: boolean;
  profile?: string;
  enum?: Record<string, string>;
  deprecated?: boolean;
}

interface SchemaItem {
  caption: string;
  uid?: number;
  category_uid?: number;
  attributes: Record<string, SchemaAttribute>;
}

interface SchemaFile {
  version: string;
  classes: Record<string, SchemaItem>;
  objects: Record<string, SchemaItem>;
  types: Record<string, string>;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export class OcsfSchema {
  private constructor(private readonly file: SchemaFile) {}

  static load(): OcsfSchema {
    const path = join(projectRoot, 'src', 'exporters', 'ocsf', 'testdata', 'ocsf-schema.json');
    return new OcsfSchema(JSON.parse(readFileSync(path, 'utf8')) as SchemaFile);
  }

  get version(): string {
    return this.file.version;
  }

  classByUid(uid: number): [string, SchemaItem] | undefined {
    return Object.entries(this.file.classes).find(([, c]) => c.uid === uid);
  }

  classNamed(name: string): SchemaItem | undefined {
    return this.file.classes[name];
  }

  /** The OCSF scalar type an attribute's type comes down to (timestamp_t -> long_t); undefined for objects. */
  baseType(type: string): string | undefined {
    return this.file.types[type];
  }

  /** Every object and class attribute of these types (integer_t, long_t, ...) the schema declares, by name. */
  attributeNamesOfType(types: readonly string[]): Set<string> {
    const names = new Set<string>();
    for (const item of [...Object.values(this.file.classes), ...Object.values(this.file.objects)])
      for (const [name, a] of Object.entries(item.attributes))
        if (types.includes(this.file.types[a.type] ?? '')) names.add(name);
    return names;
  }

  /**
   * What is wrong with an event: attributes the class or an object does not have (or only in a
   * profile the event does not name), values of the wrong type, ids outside their enum, required
   * attributes missing. Each problem names the attribute's path.
   */
  problems(parsed: object): string[] {
    const event = parsed as JsonObject;
    const problems: string[] = [];
    const found = this.classByUid(Number(event['class_uid']));
    if (!found) return [`class_uid ${JSON.stringify(event['class_uid'])} is not a class of the schema`];
    const profiles = this.profilesOf(event);
    this.checkItem(found[1], event, '', profiles, problems, (item, obj, path) => {
      for (const [name, a] of Object.entries(item.attributes)) {
        if (a.requirement === 'required' && this.applies(a, profiles) && obj[name] == null)
          problems.push(`${path}${name}: required, missing`);
      }
    });
    return problems;
  }

  /**
   * Recommended attributes an event leaves out (deprecated ones aside), by their path in the event
   * without array indexes: `actor.process.parent_process.cmd_line`, `evidences.url`.
   */
  missingRecommended(parsed: object): string[] {
    const event = parsed as JsonObject;
    const missing: string[] = [];
    const found = this.classByUid(Number(event['class_uid']));
    if (!found) return missing;
    const profiles = this.profilesOf(event);
    this.checkItem(found[1], event, '', profiles, [], (item, obj, path) => {
      for (const [name, a] of Object.entries(item.attributes)) {
        if (a.requirement === 'recommended' && !a.deprecated && this.applies(a, profiles) && obj[name] == null)
          missing.push(`${path}${name}`.replace(/\[\d+\]/g, ''));
      }
    });
    return missing;
  }

  private profilesOf(event: JsonObject): string[] {
    const metadata = event['metadata'];
    const profiles = isObject(metadata) ? metadata['profiles'] : undefined;
    return Array.isArray(profiles) ? profiles.map(String) : [];
  }

  private applies(a: SchemaAttribute, profiles: readonly string[]): boolean {
    return a.profile === undefined || profiles.includes(a.profile);
  }

  /** Walks an object against its schema item, checking each value, calling `visit` on every object met. */
  private checkItem(
    item: SchemaItem,
    obj: JsonObject,
    path: string,
    profiles: readonly string[],
    problems: string[],
    visit: (item: SchemaItem, obj: JsonObject, path: string) => void,
    itemName?: string,
  ): void {
    visit(item, obj, path);
    for (const [name, value] of Object.entries(obj)) {
      if (value === null || value === undefined) continue;
      const where = `${path}${name}`;
      const a = item.attributes[name];
      if (!a) {
        problems.push(`${where}: not an attribute of ${itemName ?? 'the class'}`);
        continue;
      }
      if (!this.applies(a, profiles)) problems.push(`${where}: in profile ${a.profile}, which metadata.profiles lacks`);
      if (a.is_array !== Array.isArray(value) && !(a.is_array === undefined && !Array.isArray(value))) {
        problems.push(`${where}: ${a.is_array ? 'an array' : 'one value'} expected`);
        continue;
      }
      const values = Array.isArray(value) ? value : [value];
      values.forEach((v, i) => {
        const at = Array.isArray(value) ? `${where}[${i}]` : where;
        this.checkValue(a, v, at, profiles, problems, visit);
      });
    }
  }

  private checkValue(
    a: SchemaAttribute,
    v: Json,
    at: string,
    profiles: readonly string[],
    problems: string[],
    visit: (item: SchemaItem, obj: JsonObject, path: string) => void,
  ): void {
    // `object` (unmapped, xattributes) is any object: its keys are the producer's.
    if (a.type === 'object') {
      if (!isObject(v)) problems.push(`${at}: an object expected`);
      return;
    }
    const object = this.file.objects[a.type];
    if (object) {
      if (!isObject(v)) problems.push(`${at}: object ${a.type} expected`);
      else this.checkItem(object, v, `${at}.`, profiles, problems, visit, a.type);
      return;
    }
    const base = this.file.types[a.type];
    const ok =
      base === 'string_t'
        ? typeof v === 'string'
        : base === 'integer_t' || base === 'long_t'
          ? Number.isInteger(v)
          : base === 'float_t'
            ? typeof v === 'number'
            : base === 'boolean_t'
              ? typeof v === 'boolean'
              : base === 'json_t';
    if (!ok) problems.push(`${at}: ${a.type} expected, got ${JSON.stringify(v)}`);
    if (a.enum && a.type === 'integer_t' && !(JSON.stringify(v) in a.enum))
      problems.push(`${at}: ${JSON.stringify(v)} is not in its enum`);
  }
}
