/**
 * One row of the `otel_logs` table, as both store modes (the embedded engine and a ClickHouse server) take it.
 * The exporter makes it from the typed OpenTelemetry record (exporters/clickhouse/log-row.ts `logRowOf`);
 * attribute values are strings because the table's maps are `Map(LowCardinality(String), String)`, as in the
 * OpenTelemetry Collector's exporter.
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
