/**
 * One OpenTelemetry log record flattened the way the `otel_logs` table stores it: this is the ClickHouse
 * encoding of the typed record (exporters/otel/log-record.ts). Attribute values become strings because the
 * table's maps are `Map(LowCardinality(String), String)`, as in the OpenTelemetry Collector's exporter:
 * numbers and bools as their text, arrays as JSON.
 */
import type { Resource } from '@opentelemetry/resources';
import { hrTimeNanosText } from '../otel/event-record.js';
import type { AttributeValue, EventLogRecord } from '../otel/log-record.js';

export interface OtelLogRow {
  /** Event time in ns since the Unix epoch; 0n means unknown, and `observedTimestampNs` is stored instead. */
  timestampNs: bigint;
  observedTimestampNs?: bigint;
  severityText: string;
  /** OpenTelemetry severity number (1..24; 0 = unspecified). */
  severityNumber: number;
  serviceName: string;
  body: string;
  /** e.g. `process.exec`, `policy.match`, `network.connect`; the security views select on it. */
  eventName: string;
  resourceAttributes: Record<string, string>;
  logAttributes: Record<string, string>;
  /** Hex, as the Collector writes them; empty when absent. */
  traceId?: string;
  spanId?: string;
  scopeName?: string;
  scopeVersion?: string;
}

function text(value: AttributeValue | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function textAttributes(attributes: Readonly<Record<string, AttributeValue | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined && value !== null) out[key] = text(value);
  }
  return out;
}

// Every record of an agent shares one resource: its text form is made once.
const resourceText = new WeakMap<Resource, Record<string, string>>();

function resourceAttributesOf(resource: Resource): Record<string, string> {
  let attributes = resourceText.get(resource);
  if (!attributes) {
    attributes = textAttributes(resource.attributes as Record<string, AttributeValue | undefined>);
    resourceText.set(resource, attributes);
  }
  return attributes;
}

export function logRowOf(record: EventLogRecord): OtelLogRow {
  const resourceAttributes = resourceAttributesOf(record.resource);
  return {
    timestampNs: BigInt(hrTimeNanosText(record.hrTime)),
    severityText: record.severityText,
    severityNumber: record.severityNumber,
    serviceName: resourceAttributes['service.name'] ?? '',
    body: record.body,
    eventName: record.eventName,
    resourceAttributes,
    logAttributes: textAttributes(record.attributes),
    scopeName: record.instrumentationScope.name,
    ...(record.instrumentationScope.version !== undefined && { scopeVersion: record.instrumentationScope.version }),
  };
}
