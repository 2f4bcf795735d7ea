// `clickhouse` settings: the OpenTelemetry Collector's clickhouse exporter's names (exporter/clickhouseexporter
// config.go), with two modes: `path`, the embedded engine in this process (the default), or `endpoint`, one or
// several ClickHouse servers over HTTP. Settings only a server has are refused beside `path`.
import { z } from 'zod';
import { duration } from '../../common/units.js';
import { exporterHelperSettings } from '../../pipeline/exporter-settings.js';
import { DEFAULT_DATABASE, DEFAULT_LOGS_TABLE } from '../../store/schema.js';

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a ClickHouse identifier (letters, digits, _)');

const serverUrl = z.string().superRefine((value, ctx) => {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an http:// or https:// URL such as http://clickhouse:8123, got ${JSON.stringify(value)}`,
    });
    return;
  }
  const url = new URL(value);
  // Credentials in a URL end up in logs and error messages; the password has a setting of its own.
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({
      code: 'custom',
      message: 'put the user in username and the password in password (from ${env:...}), not in the URL',
    });
  }
});

/** Request body compression the HTTP client does (the Collector's lz4 and deflate are native-protocol or not offered by it). */
export const CLICKHOUSE_COMPRESSIONS = ['none', 'gzip', 'zstd', 'br'] as const;
export type ClickHouseCompression = (typeof CLICKHOUSE_COMPRESSIONS)[number];

// ClickHouse prefers few large inserts: each one makes a part that merges cost later, and the engine's fixed cost
// per INSERT is several ms of CPU.
export const clickhouseSettings = exporterHelperSettings({ min_size: 20_000, max_size: 100_000, flush_timeout: 1000 })
  .extend({
    /** Embedded mode: the engine's data directory, relative to the pipeline file (default /var/lib/ebpipe/chdb when no endpoint is set). */
    path: z.string().optional(),
    /** Server mode: http(s)://host:port of a ClickHouse server, or a list tried in turn when one is unreachable. */
    endpoint: z.union([serverUrl, z.array(serverUrl).min(1)]).optional(),
    /** Database of the tables and views (default ebpipe; the Collector's is default). */
    database: identifier.default(DEFAULT_DATABASE),
    /** The logs table (default otel_logs). */
    logs_table_name: identifier.default(DEFAULT_LOGS_TABLE),
    /** Server mode: the user (default `default`). */
    username: z.string().optional(),
    /** Server mode: the user's password; write it as ${env:NAME}. Never logged. */
    password: z.string().optional(),
    /** Rows older than this are dropped, whole parts at a time (e.g. 72h, 30d as 720h); 0s keeps everything. */
    ttl: duration().default(0),
    /** Create the database, tables and views when missing (default true); false writes to what is there. */
    create_schema: z.boolean().default(true),
    /** Server mode: adds ON CLUSTER <name> to every DDL statement. */
    cluster_name: identifier.optional(),
    /** ENGINE = name(params) of the tables created, e.g. ReplicatedMergeTree with its ZooKeeper path and replica. */
    table_engine: z
      .object({
        /** e.g. MergeTree (default), ReplicatedMergeTree. */
        name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected an engine name such as ReplicatedMergeTree'),
        /** The engine's arguments, as written between its parentheses. */
        params: z.string().default(''),
      })
      .strict()
      .optional(),
    /** Server mode: async inserts (default true), acknowledged only once written (wait_for_async_insert=1). */
    async_insert: z.boolean().optional(),
    /** Server mode: request body compression, none, gzip, zstd (default) or br. */
    compress: z.enum(CLICKHOUSE_COMPRESSIONS).optional(),
    /** Server mode: how long one request may take before it counts as failed and is retried (default 5s). */
    timeout: duration({ min: '1ms' }).optional(),
    /** Embedded mode: answer `ebpipe query` on <path>.sock while the agent holds the store (default true). */
    query_socket: z.boolean().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.path !== undefined && s.endpoint !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'set path (embedded engine) or endpoint (ClickHouse server), not both',
      });
    }
    const server = s.endpoint !== undefined;
    const serverOnly = ['username', 'password', 'cluster_name', 'async_insert', 'compress', 'timeout'] as const;
    for (const key of server ? [] : serverOnly) {
      if (s[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} applies to a ClickHouse server: set endpoint, or remove ${key}`,
        });
      }
    }
    if (server && s.query_socket !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['query_socket'],
        message: 'query_socket applies to the embedded engine (path), not to a server',
      });
    }
  });

export type ClickHouseSettings = z.output<typeof clickhouseSettings>;
