/**
 * DDL for the store: the OpenTelemetry Collector clickhouse exporter's `otel_logs` table, so Grafana's ClickHouse
 * plugin in OTel mode reads it unchanged, plus security views over it.
 *
 * Kept from the Collector's logs table: every column name, type, codec and DEFAULT (EventName included), the
 * data-skipping indexes, `PARTITION BY toDate(TimestampTime)`, `PRIMARY KEY (ServiceName, TimestampTime)`,
 * `ORDER BY (ServiceName, TimestampTime, Timestamp)`, `index_granularity = 8192, ttl_only_drop_parts = 1`, and the
 * TTL form `TimestampTime + toIntervalDay(n)` when a retention is set.
 * Changed: the engine is always plain MergeTree (an embedded store has no cluster, so no Replicated engine and no
 * ON CLUSTER), and the database/table names are checked identifiers instead of free text.
 */
import { ClickHouseStoreError } from './errors.js';

export const DEFAULT_DATABASE = 'ebpipe';
export const DEFAULT_TABLE = 'otel_logs';

/** The security views, created in the same database as the table. */
export const VIEW_NAMES = ['process_exec', 'policy_hits', 'connections'] as const;

export interface SchemaOptions {
  database: string;
  table: string;
  /** Rows older than this many days are dropped, a whole day-partition at a time; 0 or absent keeps everything. */
  ttlDays?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A database or table name as it goes into SQL: checked (no quoting tricks to get wrong) and backquoted. */
export function quoteIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new ClickHouseStoreError(
      'CLICKHOUSE_BAD_OPTION',
      'configuring',
      `clickhouse ${what} ${JSON.stringify(name)}: must be letters, digits and '_', not starting with a digit`,
    );
  }
  return `\`${name}\``;
}

/** `db`.`table`, checked. */
export function qualifiedTable(options: SchemaOptions): string {
  return `${quoteIdentifier(options.database, 'database')}.${quoteIdentifier(options.table, 'table')}`;
}

function ttlClause(ttlDays: number | undefined): string {
  if (ttlDays === undefined || ttlDays === 0) return '';
  if (!Number.isInteger(ttlDays) || ttlDays < 0) {
    throw new ClickHouseStoreError(
      'CLICKHOUSE_BAD_OPTION',
      'configuring',
      `clickhouse ttl_days ${ttlDays}: must be a whole number of days >= 0`,
    );
  }
  return `TTL TimestampTime + toIntervalDay(${ttlDays})`;
}

function logsTable(table: string, ttlDays: number | undefined): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
${ttlClause(ttlDays)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
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

function views(db: string, table: string): string[] {
  return [
    `CREATE OR REPLACE VIEW ${db}.process_exec AS SELECT ${PROCESS_COLUMNS},
    JSONExtract(LogAttributes['process.command_args'], 'Array(String)') AS argv,
    toUInt32OrNull(LogAttributes['process.parent_pid']) AS parent_pid,
    LogAttributes['ebpipe.parent_exec_id'] AS parent_exec_id
FROM ${table} WHERE EventName = 'process.exec'`,
    `CREATE OR REPLACE VIEW ${db}.policy_hits AS SELECT ${PROCESS_COLUMNS},
    EventName AS event,
    LogAttributes['ebpipe.policy.name'] AS policy,
    JSONExtract(LogAttributes['ebpipe.policy.actions'], 'Array(String)') AS actions,
    multiIf(has(actions, 'sigkill'), 'sigkill', has(actions, 'override'), 'override', has(actions, 'signal'), 'signal',
        has(actions, 'rate_limit'), 'rate_limit', empty(actions), '', 'post') AS action,
    Body AS body
FROM ${table} WHERE EventName LIKE 'policy.%'`,
    `CREATE OR REPLACE VIEW ${db}.connections AS SELECT ${PROCESS_COLUMNS},
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
export function schemaStatements(options: SchemaOptions): string[] {
  const db = quoteIdentifier(options.database, 'database');
  const table = qualifiedTable(options);
  return [`CREATE DATABASE IF NOT EXISTS ${db}`, logsTable(table, options.ttlDays), ...views(db, table)];
}
