// What the `clickhouse` exporter writes through, in either mode: the embedded engine (embedded-store.ts) or
// ClickHouse servers (server-store.ts). Both take the same Native blocks of the same otel_logs columns.
import type { EncodedLogBlock, LogColumn } from '../../store/log-block.js';

export interface LogStore {
  start?(): Promise<void>;
  /** The columns of the logs table that an insert writes (after making the schema, when asked). */
  columns(): Promise<readonly LogColumn[]>;
  /** Resolves once the block is stored; throws ExportError (retryable or permanent) otherwise. */
  insert(block: EncodedLogBlock, token: string): Promise<void>;
  shutdown(): Promise<void>;
}
