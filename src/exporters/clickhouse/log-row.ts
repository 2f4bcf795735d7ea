/**
 * The ClickHouse encoding of the typed record (exporters/otel/log-record.ts): one record flattened into the
 * `otel_logs` row both store modes write. The log attributes go in as they are (the block encoder writes them
 * as text, src/store/log-block.ts); the resource's, the same for every record, are made text once here.
 */
import type { Resource } from '@opentelemetry/resources';
import type { OtelLogRow } from '../../store/log-row.js';
import { hrTimeNanosText } from '../otel/event-record.js';
import type { AttributeValue, EventLogRecord } from '../otel/log-record.js';

function text(value: AttributeValue): string {
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

// Every record of an agent shares one resource: its text form is made once (and the row encoder, seeing the
// same object on every row, encodes it once a batch).
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
    logAttributes: record.attributes,
    scopeName: record.instrumentationScope.name,
    ...(record.instrumentationScope.version !== undefined && { scopeVersion: record.instrumentationScope.version }),
  };
}
