/**
 * Encodes rows as JSONCompactEachRow, the payload of one INSERT. JSON because V8's JSON.stringify escapes any
 * string correctly (quotes, backslashes, control characters, NUL) in native code, and the compact (array) form
 * because it does not repeat twelve column names on every row.
 */
import type { OtelLogRow } from './log-row.js';

/** The order of the values in each encoded row; the table's other columns take their DEFAULTs. */
export const INSERT_COLUMNS = [
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

export interface RowRejection {
  /** Index of the row in the batch given to `encodeRows`. */
  index: number;
  reason: string;
}

export interface EncodedBatch {
  /** UTF-8 JSONCompactEachRow, one newline-ended line per accepted row; empty when no row was accepted. */
  payload: Buffer;
  rows: number;
  rejected: RowRejection[];
}

// ClickHouse reads an integer given for a DateTime64(9) as ns ticks, which keeps all nine digits without
// formatting a decimal. The upper bound is where TimestampTime (DateTime: UInt32 seconds) stops.
const MAX_TIMESTAMP_NS = 4_294_967_295_999_999_999n;

// A JS string may hold a lone surrogate, which UTF-8 cannot express. JSON.stringify writes it as a `\udXXX`
// escape that ClickHouse refuses, failing the whole batch; such strings are stored with U+FFFD instead, as
// Buffer.from(string) would.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

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
function rowProblem(row: OtelLogRow): string | undefined {
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

function encodeRow(row: OtelLogRow): string {
  const rest = JSON.stringify([
    row.traceId ?? '',
    row.spanId ?? '',
    row.severityText,
    row.severityNumber,
    row.serviceName,
    row.body,
    row.resourceAttributes,
    row.scopeName ?? '',
    row.scopeVersion ?? '',
    row.logAttributes,
    row.eventName,
  ]);
  // The timestamp goes in as a bare integer: a bigint has no JSON form, and a number would lose digits.
  return `[${storedTimestamp(row)},${rest.substring(1)}`;
}

function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

function wellFormedAttributes(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) out[wellFormed(key)] = wellFormed(value);
  return out;
}

function wellFormedRow(row: OtelLogRow): OtelLogRow {
  const copy: OtelLogRow = {
    ...row,
    severityText: wellFormed(row.severityText),
    serviceName: wellFormed(row.serviceName),
    body: wellFormed(row.body),
    eventName: wellFormed(row.eventName),
    resourceAttributes: wellFormedAttributes(row.resourceAttributes),
    logAttributes: wellFormedAttributes(row.logAttributes),
  };
  for (const field of OPTIONAL_STRING_FIELDS) {
    const value = row[field];
    if (value !== undefined) copy[field] = wellFormed(value);
  }
  return copy;
}

/** Encodes `rows[start..end)` that the engine will accept, and says which it left out and why. */
export function encodeRows(rows: readonly OtelLogRow[], start = 0, end = rows.length): EncodedBatch {
  const lines: string[] = [];
  const rejected: RowRejection[] = [];
  let count = 0;
  for (let index = start; index < end; index++) {
    const row = rows[index] as OtelLogRow;
    const problem = rowProblem(row);
    if (problem !== undefined) {
      rejected.push({ index, reason: problem });
      continue;
    }
    const line = encodeRow(row);
    // Only a lone surrogate is escaped as `\ud…` (paired ones are written as they are); a literal backslash
    // before "ud" also matches, which just takes the slower path to the same bytes.
    lines.push(line.includes('\\ud') ? encodeRow(wellFormedRow(row)) : line, '\n');
    count++;
  }
  return { payload: Buffer.from(lines.join(''), 'utf8'), rows: count, rejected };
}

// Encoding costs about 6 µs a row on the main thread (the engine works on other threads): a 10k-row batch in one
// go held the event loop for 60+ ms, in slices of this many rows it gets a turn every 5-6 ms.
const SLICE_ROWS = 1000;

/** `encodeRows` over the whole batch, giving the event loop a turn between slices. */
export async function encodeRowsInSlices(rows: readonly OtelLogRow[]): Promise<EncodedBatch> {
  if (rows.length <= SLICE_ROWS) return encodeRows(rows);
  const payloads: Buffer[] = [];
  const rejected: RowRejection[] = [];
  let count = 0;
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const slice = encodeRows(rows, start, Math.min(start + SLICE_ROWS, rows.length));
    payloads.push(slice.payload);
    rejected.push(...slice.rejected);
    count += slice.rows;
  }
  return { payload: Buffer.concat(payloads), rows: count, rejected };
}
