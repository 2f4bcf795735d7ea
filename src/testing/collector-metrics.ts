// ebpipe's counters as the stack's OpenTelemetry Collector stores them: its prometheus receiver scrapes
// ebpipe's /metrics and its clickhouse exporter writes each sample as a row of otel_metrics_sum. No ClickHouse
// server runs on the test machines for the real Collector to write into, so dashboard tests put the rows in
// themselves, from real scrapes of a running agent, laid out as that path lays them out:
//   - MetricName is the name as exposed (the receiver's trim_metric_suffixes is off by default: `_total` stays);
//   - Attributes are the sample's labels; a counter becomes a cumulative, monotonic sum;
//   - the resource is the scrape target: service.name = job, service.instance.id = host:port, as the receiver sets.
// The table is the clickhouse exporter's otel_metrics_sum, in the two layouts its releases have created: times
// in ns (DateTime64(9)) and, in later ones, in seconds (DateTime); the dashboards must read both.
import type { EmbeddedClickHouseStore } from '../store/embedded-store.js';

const NANOSECOND_LAYOUT = `CREATE TABLE ebpipe.otel_metrics_sum (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

const SECOND_LAYOUT = `CREATE TABLE ebpipe.otel_metrics_sum (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime,
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

/** The exporter's layouts by name: `nanoseconds` is contrib v0.130.0's (the stack's Collector). */
export const METRICS_SUM_LAYOUTS = { nanoseconds: NANOSECOND_LAYOUT, seconds: SECOND_LAYOUT } as const;
export type MetricsSumLayout = keyof typeof METRICS_SUM_LAYOUTS;

/** One sample of a scrape: a counter's value with its labels. */
export interface ScrapedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  timeMs: number;
  samples: ScrapedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** The counters of a Prometheus text exposition (`# TYPE x counter` families only, as ebpipe serves). */
export function parsePrometheusCounters(text: string): ScrapedSample[] {
  const counters = new Set<string>();
  const samples: ScrapedSample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      if (type[2] === 'counter') counters.add(type[1]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m || !counters.has(m[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = unescapeLabel(l[2]!);
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const literal = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const map = (m: Record<string, string>): string =>
  `map(${Object.entries(m)
    .flatMap(([k, v]) => [literal(k), literal(v)])
    .join(', ')})`;

/**
 * (Re)creates ebpipe.otel_metrics_sum in `layout` and writes the scrapes of one target into it, one row per
 * sample. In the `seconds` layout, scrapes less than a second apart would share a time: take them further apart.
 */
export async function storeScrapes(
  store: EmbeddedClickHouseStore,
  target: { job: string; instance: string },
  scrapes: readonly Scrape[],
  layout: MetricsSumLayout,
): Promise<number> {
  await store.query('DROP TABLE IF EXISTS ebpipe.otel_metrics_sum', 'CSV');
  await store.query(METRICS_SUM_LAYOUTS[layout], 'CSV');
  const [address, port] = target.instance.split(':') as [string, string];
  const resource = map({
    'service.name': target.job,
    'service.instance.id': target.instance,
    'server.address': address,
    'server.port': port,
    'url.scheme': 'http',
  });
  const firstSeen = new Map<string, number>();
  const values: string[] = [];
  for (const scrape of scrapes) {
    for (const s of scrape.samples) {
      const series = `${s.name}${JSON.stringify(s.labels)}`;
      if (!firstSeen.has(series)) firstSeen.set(series, scrape.timeMs);
      values.push(
        `(${resource}, ${literal(target.job)}, 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver', ` +
          `${literal(s.name)}, ${map(s.labels)}, fromUnixTimestamp64Milli(${firstSeen.get(series)}), ` +
          `fromUnixTimestamp64Milli(${scrape.timeMs}), ${s.value}, 2, true)`,
      );
    }
  }
  if (values.length > 0) {
    await store.query(
      `INSERT INTO ebpipe.otel_metrics_sum (ResourceAttributes, ServiceName, ScopeName, MetricName, Attributes, ` +
        `StartTimeUnix, TimeUnix, Value, AggregationTemporality, IsMonotonic) VALUES ${values.join(', ')}`,
      'CSV',
    );
  }
  return values.length;
}
