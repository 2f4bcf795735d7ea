/**
 * Rows of `otel_logs` as one Native block (native-block.ts), the payload of one INSERT in both store modes.
 * Only the columns the table has are written (`LogColumn`: a table made by an older Collector may lack some);
 * the table's other columns take their DEFAULTs. Rows the engine would refuse, and so fail the whole batch
 * with, are left out and reported, so one bad row costs one row.
 */
import type { OtelLogRow } from './log-row.js';
import { NativeBlock, NativeStrings, nativeStringChars } from './native-block.js';

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
  /** One Native block; empty when no row was accepted. */
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

function attributesProblem(attributes: unknown, which: string): string | undefined {
  if (typeof attributes !== 'object' || attributes === null) return `${which} is not an object`;
  const record = attributes as Record<string, unknown>;
  for (const key in record) {
    if (typeof record[key] !== 'string') return `${which} ${JSON.stringify(key)} is not a string`;
  }
  return undefined;
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
    attributesProblem(row.resourceAttributes, 'resource attribute') ??
    attributesProblem(row.logAttributes, 'log attribute')
  );
}

/** A Map(String, String) column. Keys repeat from row to row, so each is encoded once. */
class StringMapColumn {
  readonly offsets: BigUint64Array;
  readonly keys = new NativeStrings();
  readonly values = new NativeStrings();
  #pairs = 0;
  #row = 0;
  readonly #keyChars = new Map<string, string>();
  // The resource attributes are one object for every row of an agent: encoded once a batch.
  #lastMap: Record<string, string> | undefined;
  #lastKeys = '';
  #lastValues = '';
  #lastPairs = 0;

  constructor(rows: number) {
    this.offsets = new BigUint64Array(rows);
  }

  add(map: Record<string, string>): void {
    if (map !== this.#lastMap) this.#encode(map);
    this.keys.addEncoded(this.#lastKeys);
    this.values.addEncoded(this.#lastValues);
    this.#pairs += this.#lastPairs;
    this.offsets[this.#row++] = BigInt(this.#pairs);
  }

  #encode(map: Record<string, string>): void {
    let keys = '';
    let values = '';
    let pairs = 0;
    for (const key in map) {
      let chars = this.#keyChars.get(key);
      if (chars === undefined) {
        chars = nativeStringChars(key);
        this.#keyChars.set(key, chars);
      }
      keys += chars;
      values += nativeStringChars(map[key] as string);
      pairs++;
    }
    this.#lastMap = map;
    this.#lastKeys = keys;
    this.#lastValues = values;
    this.#lastPairs = pairs;
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

function strings(rows: readonly OtelLogRow[], value: (row: OtelLogRow) => string): NativeStrings {
  const out = new NativeStrings();
  for (const row of rows) out.add(value(row));
  return out;
}

function stringMap(
  block: NativeBlock,
  name: string,
  rows: readonly OtelLogRow[],
  map: (row: OtelLogRow) => Record<string, string>,
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
