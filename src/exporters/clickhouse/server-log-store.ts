/**
 * The `clickhouse` exporter's server mode: the store's schema and Native blocks (src/store) sent to one or
 * several ClickHouse servers through @clickhouse/client. Several endpoints are tried in turn: a connection
 * failure moves to the next one at once; when every endpoint failed the batch is retried by the queue.
 *
 * Nothing is sent at start: the schema is made (or the table read) before the first insert and again after any
 * failure, so an agent started while the server is down runs and its batches wait and retry. An insert is
 * acknowledged when the server answered it, with `async_insert` only once written (wait_for_async_insert=1);
 * it carries the batch's `insert_deduplication_token`, the same on every retry, so a retried batch whose first
 * attempt was stored after all is not stored twice (Replicated engines, and the tables ebpipe creates, keep
 * a deduplication window).
 */
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { ExportError } from '../../pipeline/component.js';
import type { ClickHouseSettings } from './config.js';
import {
  writableLogColumns,
  type DescribedColumn,
  type EncodedLogBlock,
  type LogColumn,
} from '../../store/log-block.js';
import { hasFullTextIndexes, quoteIdentifier, schemaStatements } from '../../store/schema.js';
import { connectionFailed, serverExportError } from './server-errors.js';
import type { LogStore } from './log-store.js';

interface Endpoint {
  url: string;
  client: ClickHouseClient;
}

async function drain(stream: Readable): Promise<void> {
  for await (const chunk of stream) void chunk;
}

export class ServerLogStore implements LogStore {
  readonly #endpoints: Endpoint[];
  readonly #s: ClickHouseSettings;
  readonly #target: string;
  #current = 0;
  #columns: Promise<readonly LogColumn[]> | undefined;

  constructor(s: ClickHouseSettings, urls: readonly string[]) {
    this.#s = s;
    this.#target = `${quoteIdentifier(s.database, 'database')}.${quoteIdentifier(s.logs_table_name, 'logs_table_name')}`;
    const compress = s.compress ?? 'zstd';
    this.#endpoints = urls.map((url) => ({
      url,
      client: createClient({
        url,
        username: s.username ?? 'default',
        password: s.password ?? '',
        request_timeout: s.timeout ?? 5000,
        max_open_connections: Math.max(2, s.sending_queue.num_consumers),
        compression: { request: compress === 'none' ? false : { codec: compress }, response: false },
        keep_alive: { enabled: true },
        // Its log lines carry request arguments; our errors say what failed.
        log: { level: ClickHouseLogLevel.OFF },
      }),
    }));
  }

  /** Makes the schema if asked and reads the table, once; a failure is thrown and tried again next time. */
  columns(): Promise<readonly LogColumn[]> {
    this.#columns ??= this.#prepare().catch((error: unknown) => {
      this.#columns = undefined;
      throw error;
    });
    return this.#columns;
  }

  async insert(block: EncodedLogBlock, token: string): Promise<void> {
    const columns = await this.columns();
    const async = this.#s.async_insert ?? true;
    await this.#request(`inserting ${block.rows} rows into ${this.#target}`, async (client) => {
      const result = await client.exec({
        query: `INSERT INTO ${this.#target} (${columns.join(', ')}) FORMAT Native`,
        values: Readable.from([block.payload]),
        clickhouse_settings: {
          insert_deduplication_token: token,
          ...(async ? { async_insert: 1, wait_for_async_insert: 1, async_insert_deduplicate: 1 } : { async_insert: 0 }),
        },
      });
      await drain(result.stream);
    });
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.#endpoints.map((e) => e.client.close()));
  }

  async #prepare(): Promise<readonly LogColumn[]> {
    if (this.#s.create_schema) {
      const version = await this.#text('reading the server version', 'SELECT version()');
      const statements = schemaStatements({
        database: this.#s.database,
        logsTable: this.#s.logs_table_name,
        ttlMs: this.#s.ttl,
        fullTextIndexes: hasFullTextIndexes(version.trim()),
        ...(this.#s.cluster_name !== undefined && { clusterName: this.#s.cluster_name }),
        ...(this.#s.table_engine !== undefined && { tableEngine: this.#s.table_engine }),
      });
      for (const statement of statements) {
        await this.#request('creating the schema', (client) =>
          client.command({ query: statement }).then(() => undefined),
        );
      }
    }
    const described = await this.#text(`describing ${this.#target}`, `DESC TABLE ${this.#target} FORMAT JSONEachRow`);
    const table = described
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as DescribedColumn);
    try {
      return writableLogColumns(table, `${this.#s.database}.${this.#s.logs_table_name}`);
    } catch (error) {
      throw new ExportError('CLICKHOUSE_NOT_OTEL_LOGS', (error as Error).message, { permanent: true });
    }
  }

  async #text(what: string, query: string): Promise<string> {
    let text = '';
    await this.#request(what, async (client) => {
      const result = await client.exec({ query });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    });
    return text;
  }

  /** Runs `call` on the current endpoint; a connection failure moves to the next, each tried once. */
  async #request(what: string, call: (client: ClickHouseClient) => Promise<void>): Promise<void> {
    for (let tried = 1; ; tried++) {
      const endpoint = this.#endpoints[this.#current] as Endpoint;
      try {
        await call(endpoint.client);
        return;
      } catch (error) {
        if (!connectionFailed(error) || tried >= this.#endpoints.length)
          throw serverExportError(endpoint.url, what, error);
        this.#current = (this.#current + 1) % this.#endpoints.length;
      }
    }
  }
}
