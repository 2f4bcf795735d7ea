/**
 * One OpenTelemetry log record, flattened the way the `otel_logs` table stores it. The event mapper builds
 * these; the ClickHouse exporters only encode them. Attribute values are already strings because the table's
 * maps are `Map(LowCardinality(String), String)`, as in the OpenTelemetry Collector's exporter.
 */
export interface OtelLogRow {
  /** Event time in ns since the Unix epoch; 0n means unknown, and `observedTimestampNs` is stored instead. */
  timestampNs: bigint;
  observedTimestampNs?: bigint;
  severityText: string;
  /** OpenTelemetry severity number (1..24; 0 = unspecified). */
  severityNumber: number;
  serviceName: string;
  body: string;
  /** e.g. `process.exec`, `policy.kill`, `network.connect`; the security views select on it. */
  eventName: string;
  resourceAttributes: Record<string, string>;
  logAttributes: Record<string, string>;
  /** Hex, as the Collector writes them; empty when absent. */
  traceId?: string;
  spanId?: string;
  scopeName?: string;
  scopeVersion?: string;
}
