/**
 * DDL of the store, the same for the embedded engine and a ClickHouse server: the OpenTelemetry Collector
 * clickhouse exporter's `otel_logs` and `otel_metrics_sum` tables, so Grafana's ClickHouse plugin in OTel mode
 * reads them unchanged, and ebpipe's security views over the logs.
 *
 * `otel_logs` is the layout the Collector creates since contrib v0.152.0 (PR #47720): no TimestampTime,
 * `PARTITION BY toDate(Timestamp)`, `ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)`, eight
 * `__otel_materialized_*` resource columns, and full-text (`TYPE text`) indexes on ClickHouse 26.2 and later,
 * bloom filters before. An existing table is never changed (CREATE ... IF NOT EXISTS): one in the older layout,
 * with TimestampTime, is written as it is (log-block.ts writes the columns it has). As in the Collector:
 * `table_engine` gives `ENGINE = name(params)`, `cluster_name` adds `ON CLUSTER` to every statement, `ttl`
 * becomes `TTL toDateTime(Timestamp) + toIntervalDay/Hour/Minute/Second(n)`.
 *
 * ebpipe's additions: `non_replicated_deduplication_window` on a non-replicated MergeTree, so that a batch
 * retried with its `insert_deduplication_token` is stored once (Replicated engines deduplicate by default);
 * checked identifiers instead of free text for names.
 */
import { ClickHouseStoreError } from './errors.js';

export const DEFAULT_DATABASE = 'ebpipe';
export const DEFAULT_LOGS_TABLE = 'otel_logs';
export const DEFAULT_METRICS_SUM_TABLE = 'otel_metrics_sum';

/** The security views, created in the same database as the table. Grafana dashboards query them by these names. */
export const VIEW_NAMES = ['process_exec', 'policy_hits', 'connections'] as const;

/** `ENGINE = name(params)`, the Collector's `table_engine`. */
export interface TableEngine {
  name: string;
  params: string;
}

export interface SchemaOptions {
  database: string;
  logsTable: string;
  /** Default `otel_metrics_sum`. */
  metricsSumTable?: string;
  /** Rows older than this are dropped, whole parts at a time; 0 or absent keeps everything. */
  ttlMs?: number;
  /** Adds `ON CLUSTER <name>` to every statement. */
  clusterName?: string;
  /** Default `MergeTree()`. */
  tableEngine?: TableEngine;
  /** `TYPE text(...)` indexes (ClickHouse 26.2 and later, as the Collector decides), else bloom filters. */
  fullTextIndexes: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENGINE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

function badOption(message: string): ClickHouseStoreError {
  return new ClickHouseStoreError('CLICKHOUSE_BAD_OPTION', 'configuring', message);
}

/** A database, table or cluster name as it goes into SQL: checked (no quoting tricks to get wrong) and backquoted. */
export function quoteIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw badOption(
      `clickhouse ${what} ${JSON.stringify(name)}: must be letters, digits and '_', not starting with a digit`,
    );
  }
  return `\`${name}\``;
}

/** The first version with the text index the Collector uses when it can. */
export function hasFullTextIndexes(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 26 || (major === 26 && minor >= 2);
}

/** The Collector's GenerateTTLExpr: the coarsest whole unit of the duration. */
export function ttlClause(ttlMs: number | undefined, timeExpression: string): string {
  if (ttlMs === undefined || ttlMs === 0) return '';
  const seconds = ttlMs / 1000;
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw badOption(`clickhouse ttl ${ttlMs} ms: must be a whole number of seconds >= 0`);
  }
  const [unit, size] =
    seconds % 86_400 === 0
      ? ['Day', 86_400]
      : seconds % 3600 === 0
        ? ['Hour', 3600]
        : seconds % 60 === 0
          ? ['Minute', 60]
          : ['Second', 1];
  return `TTL ${timeExpression} + toInterval${unit}(${seconds / size})`;
}

function engineClause(engine: TableEngine | undefined): string {
  const { name, params } = engine ?? { name: 'MergeTree', params: '' };
  if (!ENGINE_NAME.test(name))
    throw badOption(`clickhouse table_engine.name ${JSON.stringify(name)}: not an engine name`);
  return `${name}(${params})`;
}

function tableSettings(engine: TableEngine | undefined): string {
  const name = engine?.name ?? 'MergeTree';
  const dedup = name.endsWith('MergeTree') && !name.startsWith('Replicated') && !name.startsWith('Shared');
  return `SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1${dedup ? ', non_replicated_deduplication_window = 1000' : ''}`;
}

// The resource attributes the Collector materializes into columns of their own (Grafana and HyperDX filter on them).
const MATERIALIZED = [
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.deployment.name',
  'k8s.namespace.name',
  'k8s.node.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'deployment.environment.name',
] as const;

function logsIndexes(fullText: boolean): string[] {
  const mapIndexes = (column: string, short: string, bloom: string): string[] => [
    `INDEX idx_${short}_key mapKeys(${column}) TYPE ${fullText ? "text(tokenizer = 'array')" : bloom}`,
    `INDEX idx_${short}_value mapValues(${column}) TYPE ${fullText ? "text(tokenizer = 'array')" : bloom}`,
  ];
  const bloom = 'bloom_filter(0.01) GRANULARITY 1';
  return [
    `INDEX idx_trace_id TraceId TYPE ${fullText ? "text(tokenizer = 'array')" : 'bloom_filter(0.001) GRANULARITY 1'}`,
    ...mapIndexes('ResourceAttributes', 'res_attr', bloom),
    ...mapIndexes('ScopeAttributes', 'scope_attr', bloom),
    ...mapIndexes('LogAttributes', 'log_attr', bloom),
    `INDEX idx_lower_body lower(Body) TYPE ${fullText ? "text(tokenizer = 'splitByNonAlpha')" : 'tokenbf_v1(32768, 3, 0) GRANULARITY 8'}`,
  ];
}

function logsTable(table: string, cluster: string, o: SchemaOptions): string {
  const columns = [
    'Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1))',
    'TraceId String CODEC(ZSTD(1))',
    'SpanId String CODEC(ZSTD(1))',
    'TraceFlags UInt8',
    'SeverityText LowCardinality(String) CODEC(ZSTD(1))',
    'SeverityNumber UInt8',
    'ServiceName LowCardinality(String) CODEC(ZSTD(1))',
    'Body String CODEC(ZSTD(1))',
    'ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1))',
    'ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
    'ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1))',
    'ScopeName String CODEC(ZSTD(1))',
    'ScopeVersion LowCardinality(String) CODEC(ZSTD(1))',
    'ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
    'LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
    'EventName String CODEC(ZSTD(1))',
    ...MATERIALIZED.map(
      (key) =>
        `\`__otel_materialized_${key}\` LowCardinality(String) MATERIALIZED ResourceAttributes['${key}'] CODEC(ZSTD(1))`,
    ),
    ...logsIndexes(o.fullTextIndexes),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${table}${cluster} (\n    ${columns.join(',\n    ')}\n) ENGINE = ${engineClause(o.tableEngine)}`,
    'PARTITION BY toDate(Timestamp)',
    'ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)',
    ttlClause(o.ttlMs, 'toDateTime(Timestamp)'),
    tableSettings(o.tableEngine),
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function metricsSumTable(table: string, cluster: string, o: SchemaOptions): string {
  const columns = [
    'ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
    'ResourceSchemaUrl String CODEC(ZSTD(1))',
    'ScopeName String CODEC(ZSTD(1))',
    'ScopeVersion String CODEC(ZSTD(1))',
    'ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
    'ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1))',
    'ScopeSchemaUrl String CODEC(ZSTD(1))',
    'ServiceName LowCardinality(String) CODEC(ZSTD(1))',
    'MetricName String CODEC(ZSTD(1))',
    'MetricDescription String CODEC(ZSTD(1))',
    'MetricUnit String CODEC(ZSTD(1))',
    'Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
    'StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1))',
    'TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1))',
    'Value Float64 CODEC(ZSTD(1))',
    'Flags UInt32 CODEC(ZSTD(1))',
    `Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1))`,
    'AggregationTemporality Int32 CODEC(ZSTD(1))',
    'IsMonotonic Boolean CODEC(Delta, ZSTD(1))',
    'INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    'INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${table}${cluster} (\n    ${columns.join(',\n    ')}\n) ENGINE = ${engineClause(o.tableEngine)}`,
    ttlClause(o.ttlMs, 'toDateTime(TimeUnix)'),
    'PARTITION BY toDate(TimeUnix)',
    'ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))',
    tableSettings(o.tableEngine),
  ]
    .filter((line) => line !== '')
    .join('\n');
}

// Columns every security view shows: when, where, and which process. Numbers are parsed OrNull so that a
// missing attribute reads as NULL rather than as pid 0 or port 0.
const PROCESS_COLUMNS = `Timestamp,
    ResourceAttributes['host.name'] AS host,
    LogAttributes['process.executable.path'] AS binary,
    toUInt32OrNull(LogAttributes['process.pid']) AS pid,
    LogAttributes['ebpipe.exec_id'] AS exec_id,
    LogAttributes['process.real_user.name'] AS user,
    LogAttributes['container.id'] AS container`;

function views(db: string, table: string, cluster: string): string[] {
  const view = (name: (typeof VIEW_NAMES)[number]): string =>
    `CREATE OR REPLACE VIEW ${db}.\`${name}\`${cluster} AS SELECT`;
  return [
    `${view('process_exec')} ${PROCESS_COLUMNS},
    JSONExtract(LogAttributes['process.command_args'], 'Array(String)') AS argv,
    toUInt32OrNull(LogAttributes['process.parent_pid']) AS parent_pid,
    LogAttributes['ebpipe.parent_exec_id'] AS parent_exec_id
FROM ${table} WHERE EventName = 'process.exec'`,
    `${view('policy_hits')} ${PROCESS_COLUMNS},
    EventName AS event,
    LogAttributes['ebpipe.policy.name'] AS policy,
    JSONExtract(LogAttributes['ebpipe.policy.actions'], 'Array(String)') AS actions,
    multiIf(has(actions, 'sigkill'), 'sigkill', has(actions, 'override'), 'override', has(actions, 'signal'), 'signal',
        has(actions, 'rate_limit'), 'rate_limit', empty(actions), '', 'post') AS action,
    Body AS body
FROM ${table} WHERE EventName LIKE 'policy.%'`,
    `${view('connections')} ${PROCESS_COLUMNS},
    EventName AS event,
    LogAttributes['network.transport'] AS transport,
    LogAttributes['network.local.address'] AS local_address,
    toUInt16OrNull(LogAttributes['network.local.port']) AS local_port,
    LogAttributes['network.peer.address'] AS peer_address,
    toUInt16OrNull(LogAttributes['network.peer.port']) AS peer_port
FROM ${table} WHERE EventName LIKE 'network.%'`,
  ];
}

/** The statements that create the schema, in order; each is idempotent, so running them on every start is safe. */
export function schemaStatements(o: SchemaOptions): string[] {
  const db = quoteIdentifier(o.database, 'database');
  const cluster =
    o.clusterName === undefined || o.clusterName === ''
      ? ''
      : ` ON CLUSTER ${quoteIdentifier(o.clusterName, 'cluster_name')}`;
  const logs = `${db}.${quoteIdentifier(o.logsTable, 'logs_table_name')}`;
  const metrics = `${db}.${quoteIdentifier(o.metricsSumTable ?? DEFAULT_METRICS_SUM_TABLE, 'metrics table')}`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}${cluster}`,
    logsTable(logs, cluster, o),
    metricsSumTable(metrics, cluster, o),
    ...views(db, logs, cluster),
  ];
}
