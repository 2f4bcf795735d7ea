// Reads what the Collector's file exporter wrote: one OTLP JSON export request per line
// (ExportLogsServiceRequest and its metrics and traces twins, in the OTLP/JSON mapping:
// int64 values as strings, bytes as hex for ids).
import { readFile } from 'node:fs/promises';

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64, as a decimal string. */
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpResource {
  attributes?: OtlpKeyValue[];
}

export interface OtlpScope {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValue[];
}

export interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  eventName?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
}

export interface OtlpLogsRequest {
  resourceLogs?: { resource?: OtlpResource; scopeLogs?: { scope?: OtlpScope; logRecords?: OtlpLogRecord[] }[] }[];
}

/** One metric as OTLP JSON writes it; its data (`sum`, `gauge`, `histogram`, ...) as written. */
export interface OtlpMetric {
  name: string;
  description?: string;
  unit?: string;
  [data: string]: unknown;
}

export interface OtlpMetricsRequest {
  resourceMetrics?: { resource?: OtlpResource; scopeMetrics?: { scope?: OtlpScope; metrics?: OtlpMetric[] }[] }[];
}

/** A log record with the resource and scope it came under. */
export interface ReceivedLogRecord {
  resource: OtlpResource;
  scope: OtlpScope;
  record: OtlpLogRecord;
}

export interface ReceivedMetric {
  resource: OtlpResource;
  scope: OtlpScope;
  metric: OtlpMetric;
}

export interface ExportFile<Request> {
  requests: Request[];
  /**
   * Export requests cut short in the file: the Collector was killed while writing them, so it
   * had not acknowledged them. Counted here, never silently skipped.
   */
  truncated: number;
}

// Every request line starts with its one top-level key; a quote inside a JSON string is
// escaped, so this text cannot occur inside a value.
const requestStart = /\{"resource(?:Logs|Metrics|Spans)"/g;

/**
 * Parses an export file. A request is complete when its line ended; the Collector writes the
 * line and its newline in two writes, so after a kill a request can lack the newline and the
 * next run's request follows on the same line, and a kill inside a long write leaves a cut one.
 */
export async function readExportFile<Request>(path: string): Promise<ExportFile<Request>> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const starts = [...text.matchAll(requestStart)].map((match) => match.index);
  const requests: Request[] = [];
  let truncated = 0;
  starts.forEach((start, i) => {
    const next = starts[i + 1];
    const chunk = text.slice(start, next).trimEnd();
    if (next === undefined && !text.endsWith('\n')) return; // still being written
    try {
      requests.push(JSON.parse(chunk) as Request);
    } catch {
      truncated++;
    }
  });
  return { requests, truncated };
}

export function logRecordsOf(requests: readonly OtlpLogsRequest[]): ReceivedLogRecord[] {
  return requests.flatMap((request) =>
    (request.resourceLogs ?? []).flatMap(({ resource = {}, scopeLogs = [] }) =>
      scopeLogs.flatMap(({ scope = {}, logRecords = [] }) => logRecords.map((record) => ({ resource, scope, record }))),
    ),
  );
}

export function metricsOf(requests: readonly OtlpMetricsRequest[]): ReceivedMetric[] {
  return requests.flatMap((request) =>
    (request.resourceMetrics ?? []).flatMap(({ resource = {}, scopeMetrics = [] }) =>
      scopeMetrics.flatMap(({ scope = {}, metrics = [] }) => metrics.map((metric) => ({ resource, scope, metric }))),
    ),
  );
}

/** Attributes by key, values still typed as OTLP wrote them (`{ intValue: '42' }`). */
export function attributeMap(attributes: readonly OtlpKeyValue[] | undefined): Map<string, OtlpAnyValue> {
  return new Map((attributes ?? []).map(({ key, value }) => [key, value]));
}

/**
 * A value as plain JSON: strings, numbers (ints and doubles alike), bools, arrays and objects
 * for kvlists; what a receiver that parsed JSON (splunk_hec) turned into OTLP, turned back.
 */
export function plainValue(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plainValue);
  if (value.kvlistValue) return plainAttributes(value.kvlistValue.values);
  return value.bytesValue;
}

/** Attributes as one plain object (see plainValue). */
export function plainAttributes(attributes: readonly OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, plainValue(value)]));
}
