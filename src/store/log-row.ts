/**
 * One row of the `otel_logs` table, as both store modes (the embedded engine and a ClickHouse server) take it.
 * The exporter makes it from the typed OpenTelemetry record (exporters/clickhouse/log-row.ts `logRowOf`);
 * the table's maps are `Map(LowCardinality(String), String)`, as in the OpenTelemetry Collector's exporter, so
 * the encoder writes attribute values as text: numbers and bools as their text, arrays as JSON.
 */

/** An attribute value as a row takes it (the typed record's, unconverted); absent ones are left out. */
export type MapValue = string | number | boolean | readonly string[] | readonly number[] | undefined;
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
  logAttributes: Readonly<Record<string, MapValue>>;
  /** Hex, as the Collector writes them; empty when absent. */
  traceId?: string;
  spanId?: string;
  scopeName?: string;
  scopeVersion?: string;
}
