/**
 * The embedded ClickHouse store: the chdb engine in this process, its data in a local directory, the
 * `otel_logs` schema in it. Inserts and queries run on libuv's thread pool, so the event loop only pays for
 * encoding a batch. One process at a time may open a directory (the engine flocks it), and chdb allows one
 * open directory per process; `StoreQueryServer` lets other processes query a store that is in use.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { Session } from 'chdb';

import { ClickHouseStoreError, type ClickHouseStoreErrorCode, type ClickHouseStoreStage } from './errors.js';
import type { OtelLogRow } from './log-row.js';
import { INSERT_COLUMNS, encodeRowsInSlices, type RowRejection } from './row-encoding.js';
import { DEFAULT_DATABASE, DEFAULT_TABLE, schemaStatements, type SchemaOptions } from './schema.js';
import { storeLockHolder } from './store-lock.js';
import { DEFAULT_STORE_PATH, isQueryFormat, QUERY_FORMATS, type QueryFormat } from './store-settings.js';

export interface EmbeddedStoreOptions {
  /** Data directory, created (mode 0700: events carry command lines) if missing. Default DEFAULT_STORE_PATH. */
  path?: string;
  /** Default `ebpipe`. */
  database?: string;
  /** Default `otel_logs`. */
  table?: string;
  /** Retention in days; 0 or absent keeps everything. Applies when the table is created. */
  ttlDays?: number;
}

export interface InsertResult {
  inserted: number;
  /** Rows left out of the batch because the engine would refuse them; count them as dropped. */
  rejected: readonly RowRejection[];
}

// Parallel parsing splits a payload across threads. On a 2-core host, 10k-row batches took the same wall time
// with it and about 5% more CPU per row (22 vs 23.4 µs), so it is off.
const INSERT_SETTINGS = { input_format_parallel_parsing: 0 } as const;

function engineMessage(error: unknown): string {
  return error instanceof Error ? error.message.trim() : String(error);
}

function openSession(path: string): Session {
  try {
    return new Session(path);
  } catch (error) {
    const holder = storeLockHolder(path);
    if (holder !== undefined && holder !== process.pid) {
      throw new ClickHouseStoreError(
        'CLICKHOUSE_STORE_LOCKED',
        'opening',
        `opening clickhouse store at ${path}: in use by process ${holder}`,
        { cause: error },
      );
    }
    throw new ClickHouseStoreError(
      'CLICKHOUSE_OPEN_FAILED',
      'opening',
      `opening clickhouse store at ${path}: ${engineMessage(error)}`,
      { cause: error },
    );
  }
}

export class EmbeddedClickHouseStore {
  /** Absolute data directory. */
  readonly path: string;
  readonly schema: SchemaOptions;
  /** `db.table` as chdb's insert takes it (its identifier check forbids quotes; ours already vetted the names). */
  readonly #insertTarget: string;
  readonly #schemaStatements: readonly string[];
  #session: Session | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  /** Opens the data directory; throws `CLICKHOUSE_STORE_LOCKED` when another process has it open. */
  constructor(options: EmbeddedStoreOptions = {}) {
    this.schema = {
      database: options.database ?? DEFAULT_DATABASE,
      table: options.table ?? DEFAULT_TABLE,
      ...(options.ttlDays === undefined ? {} : { ttlDays: options.ttlDays }),
    };
    this.#schemaStatements = schemaStatements(this.schema); // checks the options before anything is opened
    this.#insertTarget = `${this.schema.database}.${this.schema.table}`;
    this.path = resolve(options.path ?? DEFAULT_STORE_PATH);
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
    this.#session = openSession(this.path);
  }

  /** Creates the database, table and views when missing; existing ones are left as they are. */
  init(): Promise<void> {
    return this.#operation('opening', 'creating schema', async (session) => {
      for (const statement of this.#schemaStatements) {
        await this.#engine('CLICKHOUSE_SCHEMA_FAILED', 'opening', 'creating schema', () =>
          session.queryAsync(statement),
        );
      }
    });
  }

  /** Writes the batch as one INSERT; rows the engine would refuse are left out and returned, not thrown. */
  insert(rows: readonly OtelLogRow[]): Promise<InsertResult> {
    return this.#operation('sending', `inserting ${rows.length} rows`, async (session) => {
      const batch = await encodeRowsInSlices(rows);
      if (batch.rows > 0) {
        await this.#engine('CLICKHOUSE_INSERT_FAILED', 'sending', `inserting ${batch.rows} rows`, () =>
          session.insert({
            table: this.#insertTarget,
            values: batch.payload,
            format: 'JSONCompactEachRow',
            columns: INSERT_COLUMNS,
            settings: INSERT_SETTINGS,
          }),
        );
      }
      return { inserted: batch.rows, rejected: batch.rejected };
    });
  }

  /** Runs any SQL and returns the engine's text in `format`. */
  query(sql: string, format: QueryFormat): Promise<string> {
    return this.#operation('querying', 'running query', async (session) => {
      if (!isQueryFormat(format)) {
        throw new ClickHouseStoreError(
          'CLICKHOUSE_BAD_FORMAT',
          'querying',
          `query format ${JSON.stringify(format)}: not one of ${QUERY_FORMATS.join(', ')}`,
        );
      }
      const result = await this.#engine('CLICKHOUSE_QUERY_FAILED', 'querying', 'running query', () =>
        session.queryAsync(sql, { format }),
      );
      return result.text();
    });
  }

  /** Refuses new calls, waits for those under way, then releases the directory. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      this.#session?.close();
      this.#session = undefined;
    })();
    return this.#closed;
  }

  /** Runs `work` on the session unless the store is closing; `close` waits for it. */
  #operation<T>(stage: ClickHouseStoreStage, what: string, work: (session: Session) => Promise<T>): Promise<T> {
    const session = this.#session;
    if (session === undefined || this.#closed !== undefined) {
      return Promise.reject(
        new ClickHouseStoreError(
          'CLICKHOUSE_CLOSED',
          stage,
          `${what} in clickhouse store at ${this.path}: store is closed`,
        ),
      );
    }
    const pending = work(session);
    this.#inFlight.add(pending);
    const untrack = (): void => void this.#inFlight.delete(pending);
    pending.then(untrack, untrack);
    return pending;
  }

  /** Calls the engine, naming the store and the step in what it throws. */
  async #engine<T>(
    code: ClickHouseStoreErrorCode,
    stage: ClickHouseStoreStage,
    what: string,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new ClickHouseStoreError(
        code,
        stage,
        `${what} in clickhouse store at ${this.path}: ${engineMessage(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}
