// OCSF events as one Parquet file, as Amazon Security Lake takes custom sources: the events of one
// class (the caller groups them), columns nested as the events are (structs and lists), `unmapped`
// as a map of strings, OCSF's 32- and 64-bit integers as INT32 and INT64, zstd, data pages of at most
// 1 MiB. The columns are those the events carry: a column no event of the file has is absent.
// Arrow's JavaScript library builds the columns, arrow-rs (the Apache Arrow project's Rust Parquet
// writer, as WebAssembly: parquet-wasm) writes the file; both load on the first file written.
import {
  Bool,
  Field,
  Int32,
  Int64,
  List,
  Map_,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { version } from '../../common/version.js';
import type { OcsfEvent, OcsfObject, OcsfValue } from './ocsf-event.js';

type ParquetWasm = typeof import('parquet-wasm');
let parquetWasm: Promise<ParquetWasm> | undefined;

/**
 * Attributes of OCSF type long_t or timestamp_t (INT64 columns) among those ebpipe writes; every other
 * integer is integer_t (INT32). ocsf-parquet.test.ts checks this against the schema.
 */
export const LONG_ATTRIBUTES: ReadonlySet<string> = new Set([
  'time',
  'type_uid',
  'start_time',
  'end_time',
  'created_time',
  'terminated_time',
  'logged_time',
  'processed_time',
  'first_seen_time',
  'last_seen_time',
  'bytes',
  'bytes_in',
  'bytes_out',
]);

/** What a column holds, inferred from the values of every event of the file. */
type Shape =
  | { kind: 'utf8' | 'bool' | 'int32' | 'int64' | 'map' }
  | { kind: 'list'; element: Shape | undefined }
  | { kind: 'struct'; fields: Map<string, Shape> };

const UTF8: Shape = { kind: 'utf8' };

function shapeOf(name: string, value: OcsfValue): Shape | undefined {
  if (value === undefined || value === null) return undefined;
  if (name === 'unmapped') return { kind: 'map' };
  if (typeof value === 'string') return UTF8;
  if (typeof value === 'boolean') return { kind: 'bool' };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { kind: LONG_ATTRIBUTES.has(name) ? 'int64' : 'int32' } : UTF8;
  if (Array.isArray(value)) {
    let element: Shape | undefined;
    for (const v of value as readonly OcsfValue[]) element = merge(element, shapeOf(name, v));
    return { kind: 'list', element };
  }
  const fields = new Map<string, Shape>();
  for (const [key, v] of Object.entries(value as OcsfObject)) {
    const shape = shapeOf(key, v);
    if (shape) fields.set(key, shape);
  }
  return { kind: 'struct', fields };
}

/** The shape that holds both; values that disagree in kind become text. */
function merge(a: Shape | undefined, b: Shape | undefined): Shape | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.kind === 'struct' && b.kind === 'struct') {
    for (const [key, shape] of b.fields) a.fields.set(key, merge(a.fields.get(key), shape)!);
    return a;
  }
  if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', element: merge(a.element, b.element) };
  return a.kind === b.kind ? a : UTF8;
}

/** Parquet has no empty groups: structs without fields and lists of nothing are left out. */
function arrowType(shape: Shape): DataType | undefined {
  switch (shape.kind) {
    case 'utf8':
      return new Utf8();
    case 'bool':
      return new Bool();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'map':
      return new Map_<Utf8, Utf8>(
        new Field(
          'entries',
          new Struct<{ key: Utf8; value: Utf8 }>([
            new Field('key', new Utf8(), false),
            new Field('value', new Utf8(), true),
          ]),
        ),
      );
    case 'list': {
      const element = shape.element && arrowType(shape.element);
      return element && new List(new Field('element', element, true));
    }
    case 'struct': {
      const fields = [...shape.fields].flatMap(([name, s]) => {
        const type = arrowType(s);
        return type ? [new Field(name, type, true)] : [];
      });
      return fields.length > 0 ? new Struct(fields) : undefined;
    }
  }
}

/** A value as Arrow's builders take it for its shape: bigints for INT64, a Map for `unmapped`, text where kinds disagreed. */
function arrowValue(shape: Shape, value: OcsfValue): unknown {
  if (value === undefined || value === null) return null;
  switch (shape.kind) {
    case 'utf8':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'int64':
      return BigInt(value as number);
    case 'int32':
    case 'bool':
      return value;
    case 'map': {
      const entries = new Map<string, string>();
      for (const [k, v] of Object.entries(value as OcsfObject))
        if (v !== undefined) entries.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      return entries;
    }
    case 'list':
      return (value as readonly OcsfValue[]).map((v) => arrowValue(shape.element!, v));
    case 'struct': {
      const out: Record<string, unknown> = {};
      const object = value as OcsfObject;
      for (const [key, s] of shape.fields) out[key] = arrowValue(s, object[key]);
      return out;
    }
  }
}

/** The events (of one class, in the order given) as the bytes of one zstd-compressed Parquet file. */
export async function ocsfParquet(events: readonly OcsfEvent[]): Promise<Uint8Array> {
  const wasm = await (parquetWasm ??= import('parquet-wasm'));
  const columns = new Map<string, Shape>();
  for (const event of events)
    for (const [name, value] of Object.entries(event)) {
      const shape = shapeOf(name, value);
      if (shape) columns.set(name, merge(columns.get(name), shape)!);
    }
  const fields: Field[] = [];
  const vectors: Record<string, Vector> = {};
  for (const [name, shape] of columns) {
    const type = arrowType(shape);
    if (!type) continue;
    fields.push(new Field(name, type, true));
    vectors[name] = vectorFromArray(
      events.map((e) => arrowValue(shape, e[name])),
      type,
    ) as Vector;
  }
  const table = new Table(new Schema(fields), vectors);
  const properties = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.ZSTD)
    .setDataPageSizeLimit(1 << 20)
    .setCreatedBy(`ebpipe ${version}`)
    .build();
  return wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(table, 'stream')), properties);
}
