// The one OpenTelemetry log record that every exporter maps from (OTLP, Kafka, the ClickHouse
// row, Splunk HEC, OCSF): sdk-logs' ReadableLogRecord, so the OpenTelemetry serializers take it as
// it is, narrowed to what every ebpipe event has. Attribute values keep their types (ints, bools,
// strings, arrays); an encoding that stores strings only (the otel_logs Map) converts them itself.
import type { SeverityNumber } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

export type AttributeValue = string | number | boolean | string[] | number[];
export type LogAttributes = Record<string, AttributeValue>;

export interface EventLogRecord extends ReadableLogRecord {
  /** The event kind: `process.exec`, `file.open`, `policy.match`, ... (see MAPPING.md). */
  readonly eventName: string;
  /** One line a person reads; the attributes carry the fields. */
  readonly body: string;
  readonly severityNumber: SeverityNumber;
  readonly severityText: string;
  readonly attributes: LogAttributes;
}
