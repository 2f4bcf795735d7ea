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
import {
  encodeLogBlock,
  writableLogColumns,
  type DescribedColumn,
  type EncodedLogBlock,
  type LogColumn,
  type RowRejection,
} from './log-block.js';
import type { OtelLogRow } from './log-row.js';
import { PayloadSpool, sqlString } from './payload-spool.js';
import {
  DEFAULT_DATABASE,
  DEFAULT_LOGS_TABLE,
  hasFullTextIndexes,
  quoteIdentifier,
  schemaStatements,
  ttlClause,
  type TableEngine,
} from './schema.js';
import { storeLockHolder } from './store-lock.js';
import { DEFAULT_STORE_PATH, isQueryFormat, QUERY_FORMATS, type QueryFormat } from './store-settings.js';

export interface EmbeddedStoreOptions {
  /** Data directory, created (mode 0700: events carry command lines) if missing. Default DEFAULT_STORE_PATH. */
  path?: string;
  /** Default `ebpipe`. */
  database?: string;
  /** Default `otel_logs`. */
  logsTable?: string;
  /** Retention; 0 or absent keeps everything. Applies when the table is created. */
  ttlMs?: number;
  /** Create the database, tables and views when missing (default true); false uses what is there. */
  createSchema?: boolean;
  /** ENGINE of the tables created; default MergeTree(). */
  tableEngine?: TableEngine;
}

export interface InsertResult {
  inserted: number;
  /** Rows left out of the batch because the engine would refuse them; count them as dropped. */
  rejected: readonly RowRejection[];
}

// The engine's own threads do the insert; parallel parsing of one block only adds hand-offs.
const INSERT_SETTINGS = 'input_format_parallel_parsing = 0';

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
  readonly database: string;
  readonly logsTable: string;
  /** `db`.`table`, checked. */
  readonly #target: string;
  readonly #options: EmbeddedStoreOptions;
  /** What an insert writes; known once `init` has read the table. */
  #columns: readonly LogColumn[] | undefined;
  readonly #spool = new PayloadSpool();
  #session: Session | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  /** Opens the data directory; throws `CLICKHOUSE_STORE_LOCKED` when another process has it open. */
  constructor(options: EmbeddedStoreOptions = {}) {
    this.#options = options;
    this.database = options.database ?? DEFAULT_DATABASE;
    this.logsTable = options.logsTable ?? DEFAULT_LOGS_TABLE;
    // Checks the names before anything is opened.
    this.#target = `${quoteIdentifier(this.database, 'database')}.${quoteIdentifier(this.logsTable, 'logs_table_name')}`;
    ttlClause(options.ttlMs, 'Timestamp');
    this.path = resolve(options.path ?? DEFAULT_STORE_PATH);
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
    try {
      this.#session = openSession(this.path);
    } catch (error) {
      this.#spool.close();
      throw error;
    }
  }

  /** Creates the database, tables and views when missing (existing ones are left as they are), then reads the table. */
  init(): Promise<void> {
    return this.#operation('opening', 'creating schema', async (session) => {
      if (this.#options.createSchema !== false) {
        const version = await this.#engine('CLICKHOUSE_SCHEMA_FAILED', 'opening', 'reading the engine version', () =>
          session.queryAsync('SELECT version()', { format: 'TSV' }),
        );
        const statements = schemaStatements({
          database: this.database,
          logsTable: this.logsTable,
          fullTextIndexes: hasFullTextIndexes(version.text().trim()),
          ...(this.#options.ttlMs !== undefined && { ttlMs: this.#options.ttlMs }),
          ...(this.#options.tableEngine !== undefined && { tableEngine: this.#options.tableEngine }),
        });
        for (const statement of statements) {
          await this.#engine('CLICKHOUSE_SCHEMA_FAILED', 'opening', 'creating schema', () =>
            session.queryAsync(statement),
          );
        }
      }
      const described = await this.#engine('CLICKHOUSE_SCHEMA_FAILED', 'opening', `describing ${this.#target}`, () =>
        session.queryAsync(`DESC TABLE ${this.#target}`, { format: 'JSONEachRow' }),
      );
      const table = described
        .text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as DescribedColumn);
      try {
        this.#columns = writableLogColumns(table, `${this.database}.${this.logsTable}`);
      } catch (error) {
        throw new ClickHouseStoreError(
          'CLICKHOUSE_SCHEMA_FAILED',
          'opening',
          `opening clickhouse store at ${this.path}: ${engineMessage(error)}`,
        );
      }
    });
  }

  /** The otel_logs columns this store writes (what the table has of them); empty before `init`. */
  get columns(): readonly LogColumn[] {
    return this.#columns ?? [];
  }

  /** Writes the batch as one INSERT; rows the engine would refuse are left out and returned, not thrown. */
  insert(rows: readonly OtelLogRow[]): Promise<InsertResult> {
    return this.insertBlock(encodeLogBlock(rows, this.columns));
  }

  /** Writes a block encoded for `columns` (log-block.ts) as one INSERT. */
  insertBlock(block: EncodedLogBlock): Promise<InsertResult> {
    return this.#operation('sending', `inserting ${block.rows} rows`, async (session) => {
      const columns = this.#columns;
      if (columns === undefined) {
        throw new ClickHouseStoreError(
          'CLICKHOUSE_CLOSED',
          'sending',
          `inserting into ${this.path}: init() has not run`,
        );
      }
      if (block.rows > 0) {
        await this.#spool.with(block.payload, (file) =>
          this.#engine('CLICKHOUSE_INSERT_FAILED', 'sending', `inserting ${block.rows} rows`, () =>
            session.queryAsync(
              `INSERT INTO ${this.#target} (${columns.join(', ')}) FROM INFILE ${sqlString(file)} SETTINGS ${INSERT_SETTINGS} FORMAT Native`,
            ),
          ),
        );
      }
      return { inserted: block.rows, rejected: block.rejected };
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
      this.#spool.close();
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
