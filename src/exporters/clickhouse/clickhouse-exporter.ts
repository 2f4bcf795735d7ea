// `clickhouse`: events as OpenTelemetry log rows in ClickHouse's otel_logs schema, in the
// embedded engine at a local path (no service needed; `ebpipe query` reads it). Setting
// names follow the Collector's clickhouse exporter. Rows the engine would refuse are
// dropped and counted; a failed insert is retried by the exporter queue.
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Event } from '../../events/model.js';
import {
  ExportError,
  type Exporter,
  type ExporterContext,
  type ExporterFactory,
  type PartialExport,
} from '../../pipeline/component.js';
import { exporterHelperSettings } from '../../pipeline/exporter-settings.js';
import { EventRecordMapper } from '../otel/event-record.js';
import type { EmbeddedClickHouseStore } from '../../store/embedded-store.js';
import { logRowOf } from './log-row.js';
import { DEFAULT_STORE_PATH } from '../../store/store-settings.js';
import { StoreQueryServer } from '../../store/query-server.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a ClickHouse identifier');

// ClickHouse prefers few large inserts: each one makes a part that merges cost later.
const settings = exporterHelperSettings({ min_size: 20_000, max_size: 100_000, flush_timeout: 1000 })
  .extend({
    /** Directory of the embedded store, relative to the pipeline file. */
    path: z.string().default(DEFAULT_STORE_PATH),
    database: identifier.default('ebpipe'),
    logs_table_name: identifier.default('otel_logs'),
    /** Days to keep rows; 0 keeps everything. */
    ttl_days: z.number().int().nonnegative().default(0),
    /** Answer `ebpipe query` on <path>.sock while the agent holds the store. */
    query_socket: z.boolean().default(true),
  })
  .strict();

type ClickHouseSettings = z.output<typeof settings>;

export class ClickHouseExporter implements Exporter {
  private store: EmbeddedClickHouseStore | undefined;
  private queryServer: StoreQueryServer | undefined;
  private readonly records: EventRecordMapper;
  private readonly path: string;

  constructor(
    private readonly s: ClickHouseSettings,
    ctx: ExporterContext,
  ) {
    this.records = new EventRecordMapper(ctx.resource);
    this.path = resolve(ctx.baseDir, s.path);
  }

  async start(): Promise<void> {
    // The engine is a 500 MB library: loaded when a pipeline uses it, not when ebpipe starts.
    const { EmbeddedClickHouseStore } = await import('../../store/embedded-store.js');
    const store = new EmbeddedClickHouseStore({
      path: this.path,
      database: this.s.database,
      logsTable: this.s.logs_table_name,
      ttlMs: this.s.ttl_days * 86_400_000,
    });
    await store.init();
    this.store = store;
    if (this.s.query_socket) {
      this.queryServer = new StoreQueryServer(store);
      await this.queryServer.listen();
    }
  }

  async export(events: readonly Event[]): Promise<PartialExport> {
    if (!this.store) throw new ExportError('clickhouse store is not open', 'CLICKHOUSE_NOT_STARTED', true);
    const rows = events.map((e) => logRowOf(this.records.toRecord(e)));
    try {
      const result = await this.store.insert(rows);
      return { rejected: result.rejected.length, reason: 'rejected_row' };
    } catch (err) {
      throw new ExportError(
        `inserting into ${this.path}: ${(err as Error).message}`,
        'CLICKHOUSE_INSERT_FAILED',
        false,
        { cause: err },
      );
    }
  }

  async shutdown(): Promise<void> {
    await this.queryServer?.close();
    await this.store?.close();
  }
}

export const clickhouseExporter: ExporterFactory<typeof settings> = {
  kind: 'exporter',
  type: 'clickhouse',
  description: 'stores events as OpenTelemetry log rows (otel_logs schema) in an embedded ClickHouse engine',
  settings,
  create: (s, ctx) => new ClickHouseExporter(s, ctx),
};
