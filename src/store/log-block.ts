/**
 * Rows of `otel_logs` as one Native block (native-block.ts), the payload of one INSERT in both store modes.
 * Only the columns the table has are written (`LogColumn`: a table made by an older Collector may lack some);
 * the table's other columns take their DEFAULTs. Rows the engine would refuse, and so fail the whole batch
 * with, are left out and reported, so one bad row costs one row.
 */
import type { MapValue, OtelLogRow } from './log-row.js';
import { NativeBlock, NativeStrings, nativeString } from './native-block.js';

/** The columns ebpipe writes, in the order it writes them. */
export const LOG_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'SeverityText',
  'SeverityNumber',
  'ServiceName',
  'Body',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'LogAttributes',
  'EventName',
] as const;
export type LogColumn = (typeof LOG_COLUMNS)[number];

/** A column as `DESC TABLE` describes it. */
export interface DescribedColumn {
  name: string;
  /** '', DEFAULT, MATERIALIZED, ALIAS or EPHEMERAL. */
  default_type: string;
}

/**
 * The LOG_COLUMNS the table has and an INSERT may name (not MATERIALIZED or ALIAS), as the Collector writes an
 * older table: whatever it lacks is not written. Throws when it has no Timestamp (not an otel_logs table).
 */
export function writableLogColumns(table: readonly DescribedColumn[], name: string): LogColumn[] {
  const insertable = new Set(
    table.filter((c) => c.default_type !== 'MATERIALIZED' && c.default_type !== 'ALIAS').map((c) => c.name),
  );
  if (!insertable.has('Timestamp')) {
    throw new Error(`table ${name} has no insertable Timestamp column: not an otel_logs table`);
  }
  return LOG_COLUMNS.filter((column) => insertable.has(column));
}

export interface RowRejection {
  /** Index of the row in the batch given to `encodeLogBlock`. */
  index: number;
  reason: string;
}

export interface EncodedLogBlock {
  /** Native blocks, one INSERT's data; empty when no row was accepted. */
  payload: Buffer;
  rows: number;
  rejected: RowRejection[];
}

// Where DateTime stops (UInt32 seconds): a table in the older layout derives TimestampTime from Timestamp.
const MAX_TIMESTAMP_NS = 4_294_967_295_999_999_999n;

const STRING_FIELDS = ['severityText', 'serviceName', 'body', 'eventName'] as const;
const OPTIONAL_STRING_FIELDS = ['traceId', 'spanId', 'scopeName', 'scopeVersion'] as const;

function storedTimestamp(row: OtelLogRow): bigint {
  return row.timestampNs === 0n && row.observedTimestampNs !== undefined ? row.observedTimestampNs : row.timestampNs;
}

function valueProblem(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return false;
    case 'number':
      return !Number.isFinite(value);
    default:
      return !Array.isArray(value);
  }
}

function attributesProblem(attributes: unknown, which: string, typed: boolean): string | undefined {
  if (typeof attributes !== 'object' || attributes === null) return `${which} is not an object`;
  const record = attributes as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (typed ? valueProblem(value) : typeof value !== 'string') {
      return `${which} ${JSON.stringify(key)} is not ${typed ? 'a string, a finite number, a bool or an array' : 'a string'}`;
    }
  }
  return undefined;
}

/** The table's text of an attribute value, as the Collector writes one into a string map. */
function mapText(value: Exclude<MapValue, undefined>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Why the engine would refuse this row (and so the whole batch with it), or undefined. The types already say
 * all this; the checks are for values that arrive from outside them, and cost little next to the insert.
 */
export function rowProblem(row: OtelLogRow): string | undefined {
  const ts = storedTimestamp(row);
  if (typeof ts !== 'bigint' || ts < 0n || ts > MAX_TIMESTAMP_NS) {
    return `timestamp ${String(ts)} ns is outside 0..${MAX_TIMESTAMP_NS}`;
  }
  const severity = row.severityNumber;
  if (!Number.isInteger(severity) || severity < 0 || severity > 255) {
    return `severityNumber ${String(severity)} is not an integer in 0..255`;
  }
  for (const field of STRING_FIELDS) if (typeof row[field] !== 'string') return `${field} is not a string`;
  for (const field of OPTIONAL_STRING_FIELDS) {
    const value = row[field];
    if (value !== undefined && typeof value !== 'string') return `${field} is not a string`;
  }
  return (
    attributesProblem(row.resourceAttributes, 'resource attribute', false) ??
    attributesProblem(row.logAttributes, 'log attribute', true)
  );
}

/**
 * A Map(String, String) column. Rows of one event kind carry the same keys in the same order: a row whose keys
 * are the previous row's copies that row's key bytes at once; other keys are encoded once each.
 */
class StringMapColumn {
  /** Each row's cumulative pair count as UInt64 (low, high words), as Native stores array sizes. */
  readonly offsets: Uint32Array;
  readonly keys: NativeStrings;
  readonly values: NativeStrings;
  #pairs = 0;
  #row = 0;
  readonly #keyBytes = new Map<string, Buffer>();
  #previousKeys: string[] = [];
  #previousKeyBytes = Buffer.alloc(0);
  readonly #rowKeys: string[] = [];
  // The resource attributes are one object for every row of an agent: its values are encoded once a batch.
  #lastMap: Readonly<Record<string, MapValue>> | undefined;
  #lastValues: Buffer | undefined;

  constructor(rows: number) {
    this.offsets = new Uint32Array(rows * 2);
    this.keys = new NativeStrings(rows * 256);
    this.values = new NativeStrings(rows * 512);
  }

  add(map: Readonly<Record<string, MapValue>>): void {
    const valuesFrom = this.values.length;
    const previous = this.#previousKeys;
    const rowKeys = this.#rowKeys;
    let count = 0;
    let same = true;
    if (map === this.#lastMap && this.#lastValues) {
      this.values.addEncoded(this.#lastValues);
      count = previous.length;
    } else {
      for (const key in map) {
        const value = map[key];
        if (value === undefined) continue;
        if (same && previous[count] !== key) same = false;
        rowKeys[count++] = key;
        this.values.add(typeof value === 'string' ? value : mapText(value));
      }
      // Kept from the second row of one map on; a new map forgets the last one's values.
      this.#lastValues = map === this.#lastMap ? Buffer.from(this.values.bytes().subarray(valuesFrom)) : undefined;
      this.#lastMap = map;
    }
    if (same && count === previous.length) {
      this.keys.addEncoded(this.#previousKeyBytes);
    } else {
      const keysFrom = this.keys.length;
      for (let i = 0; i < count; i++) this.keys.addEncoded(this.#keyOf(rowKeys[i] as string));
      this.#previousKeys = rowKeys.slice(0, count);
      this.#previousKeyBytes = Buffer.from(this.keys.bytes().subarray(keysFrom));
    }
    this.#pairs += count;
    this.offsets[2 * this.#row] = this.#pairs;
    this.#row++;
  }

  #keyOf(key: string): Buffer {
    let bytes = this.#keyBytes.get(key);
    if (bytes === undefined) {
      bytes = nativeString(key);
      this.#keyBytes.set(key, bytes);
    }
    return bytes;
  }
}

/** Encodes the rows the engine will accept into one block of `columns`, and says which it left out and why. */
export function encodeLogBlock(rows: readonly OtelLogRow[], columns: readonly LogColumn[]): EncodedLogBlock {
  const rejected: RowRejection[] = [];
  const accepted: OtelLogRow[] = [];
  rows.forEach((row, index) => {
    const problem = rowProblem(row);
    if (problem === undefined) accepted.push(row);
    else rejected.push({ index, reason: problem });
  });
  if (accepted.length === 0) return { payload: Buffer.alloc(0), rows: 0, rejected };
  const block = new NativeBlock(accepted.length);
  for (const column of columns) writeColumn(block, column, accepted);
  return { payload: block.toBuffer(), rows: accepted.length, rejected };
}

/**
 * A large batch as several Native blocks in one payload (the engine reads block after block into one INSERT).
 * Rows are made and encoded a slice at a time: they die young, and 100k rows never live at once.
 */
export class LogBlocksWriter {
  readonly #payloads: Buffer[] = [];
  readonly #rejected: RowRejection[] = [];
  #rows = 0;
  #offset = 0;

  constructor(readonly columns: readonly LogColumn[]) {}

  /** Appends the next rows of the batch (indices in rejections count from the batch's first row). */
  add(rows: readonly OtelLogRow[]): void {
    const block = encodeLogBlock(rows, this.columns);
    if (block.rows > 0) this.#payloads.push(block.payload);
    for (const r of block.rejected) this.#rejected.push({ index: r.index + this.#offset, reason: r.reason });
    this.#rows += block.rows;
    this.#offset += rows.length;
  }

  finish(): EncodedLogBlock {
    return { payload: Buffer.concat(this.#payloads), rows: this.#rows, rejected: this.#rejected };
  }
}

function strings(rows: readonly OtelLogRow[], value: (row: OtelLogRow) => string): NativeStrings {
  const out = new NativeStrings(rows.length * 32);
  for (const row of rows) out.add(value(row));
  return out;
}

function stringMap(
  block: NativeBlock,
  name: string,
  rows: readonly OtelLogRow[],
  map: (row: OtelLogRow) => Readonly<Record<string, MapValue>>,
): void {
  const column = new StringMapColumn(rows.length);
  for (const row of rows) column.add(map(row));
  block.stringMap(name, column.offsets, column.keys, column.values);
}

function writeColumn(block: NativeBlock, column: LogColumn, rows: readonly OtelLogRow[]): void {
  switch (column) {
    case 'Timestamp':
      return block.dateTime64Nanos(column, BigInt64Array.from(rows, storedTimestamp));
    case 'SeverityNumber':
      return block.uint8(
        column,
        Uint8Array.from(rows, (row) => row.severityNumber),
      );
    case 'TraceId':
      return block.string(
        column,
        strings(rows, (row) => row.traceId ?? ''),
      );
    case 'SpanId':
      return block.string(
        column,
        strings(rows, (row) => row.spanId ?? ''),
      );
    case 'SeverityText':
      return block.string(
        column,
        strings(rows, (row) => row.severityText),
      );
    case 'ServiceName':
      return block.string(
        column,
        strings(rows, (row) => row.serviceName),
      );
    case 'Body':
      return block.string(
        column,
        strings(rows, (row) => row.body),
      );
    case 'ScopeName':
      return block.string(
        column,
        strings(rows, (row) => row.scopeName ?? ''),
      );
    case 'ScopeVersion':
      return block.string(
        column,
        strings(rows, (row) => row.scopeVersion ?? ''),
      );
    case 'EventName':
      return block.string(
        column,
        strings(rows, (row) => row.eventName),
      );
    case 'ResourceAttributes':
      return stringMap(block, column, rows, (row) => row.resourceAttributes);
    case 'LogAttributes':
      return stringMap(block, column, rows, (row) => row.logAttributes);
  }
}
