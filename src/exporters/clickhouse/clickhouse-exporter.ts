// `clickhouse`: events as OpenTelemetry log rows in the Collector's otel_logs schema, in the embedded engine
// at a local path (no service needed; `ebpipe query` reads it) or on ClickHouse servers (`endpoint`). The row
// is one encoding of the typed record (log-row.ts), sent as a Native block in both modes. Rows the engine
// would refuse are dropped and counted; a failed insert is retried by the exporter queue with the same
// block and deduplication token, or dropped and counted when the server says it is wrong.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Event } from '../../events/model.js';
import type { Exporter, ExporterContext, ExporterFactory, PartialExport } from '../../pipeline/component.js';
import { LogBlocksWriter, type EncodedLogBlock, type LogColumn } from '../../store/log-block.js';
import { DEFAULT_STORE_PATH } from '../../store/store-settings.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { clickhouseSettings, type ClickHouseSettings } from './config.js';
import { EmbeddedLogStore } from './embedded-log-store.js';
import { logRowOf } from './log-row.js';
import type { LogStore } from './log-store.js';
import { ServerLogStore } from './server-log-store.js';

// Rows encoded at a time: small enough to die young and to keep the event loop's turns a few ms apart.
const SLICE = 2048;

interface PreparedInsert {
  block: EncodedLogBlock;
  /** insert_deduplication_token: one per batch, the same on each of its retries. */
  token: string;
}

function storeOf(s: ClickHouseSettings, ctx: ExporterContext): LogStore {
  if (s.endpoint !== undefined) {
    return new ServerLogStore(s, typeof s.endpoint === 'string' ? [s.endpoint] : s.endpoint);
  }
  return new EmbeddedLogStore(
    {
      path: resolve(ctx.baseDir, s.path ?? DEFAULT_STORE_PATH),
      database: s.database,
      logsTable: s.logs_table_name,
      ttlMs: s.ttl,
      createSchema: s.create_schema,
      ...(s.table_engine !== undefined && { tableEngine: s.table_engine }),
    },
    s.query_socket ?? true,
  );
}

export class ClickHouseExporter implements Exporter {
  readonly #records: EventRecordMapper;
  readonly #store: LogStore;
  // A retried batch is the same array (queued-exporter.ts): it is sent again as the same bytes and token.
  readonly #prepared = new WeakMap<readonly Event[], PreparedInsert>();

  constructor(s: ClickHouseSettings, ctx: ExporterContext) {
    this.#records = new EventRecordMapper(ctx.resource);
    this.#store = storeOf(s, ctx);
  }

  async start(): Promise<void> {
    await this.#store.start?.();
  }

  async export(events: readonly Event[]): Promise<PartialExport | void> {
    let prepared = this.#prepared.get(events);
    if (!prepared) {
      prepared = { block: await this.#encode(events, await this.#store.columns()), token: randomUUID() };
      this.#prepared.set(events, prepared);
    }
    const { block, token } = prepared;
    if (block.rows > 0) await this.#store.insert(block, token);
    this.#prepared.delete(events);
    if (block.rejected.length > 0) return { rejected: block.rejected.length, reason: 'rejected_row' };
  }

  /** Events to rows to Native blocks, a slice at a time, the event loop getting a turn between slices. */
  async #encode(events: readonly Event[], columns: readonly LogColumn[]): Promise<EncodedLogBlock> {
    const writer = new LogBlocksWriter(columns);
    for (let start = 0; start < events.length; start += SLICE) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      const slice = events.slice(start, start + SLICE);
      writer.add(slice.map((e) => logRowOf(this.#records.toRecord(e))));
    }
    return writer.finish();
  }

  async shutdown(): Promise<void> {
    await this.#store.shutdown();
  }
}

export const clickhouseExporter: ExporterFactory<typeof clickhouseSettings> = {
  kind: 'exporter',
  type: 'clickhouse',
  description:
    'stores events as OpenTelemetry log rows (otel_logs schema, security views) in an embedded ClickHouse engine or on ClickHouse servers',
  settings: clickhouseSettings,
  create: (s, ctx) => new ClickHouseExporter(s, ctx),
};
