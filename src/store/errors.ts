import { EbpipeError, type ErrorStage } from '../common/errors.js';

export type ClickHouseStoreErrorCode =
  | 'CLICKHOUSE_BAD_OPTION'
  | 'CLICKHOUSE_STORE_LOCKED'
  | 'CLICKHOUSE_OPEN_FAILED'
  | 'CLICKHOUSE_CLOSED'
  | 'CLICKHOUSE_SCHEMA_FAILED'
  | 'CLICKHOUSE_INSERT_FAILED'
  | 'CLICKHOUSE_QUERY_FAILED'
  | 'CLICKHOUSE_BAD_FORMAT'
  | 'CLICKHOUSE_QUERY_SOCKET';

/** Where in the store's life the error happened, as in the pipeline's per-stage error counters. */
export type ClickHouseStoreStage = Extract<ErrorStage, 'configuring' | 'opening' | 'sending' | 'querying'>;

export class ClickHouseStoreError extends EbpipeError {
  override readonly name = 'ClickHouseStoreError';
  declare readonly code: ClickHouseStoreErrorCode;
  declare readonly stage: ClickHouseStoreStage;

  constructor(code: ClickHouseStoreErrorCode, stage: ClickHouseStoreStage, message: string, options?: ErrorOptions) {
    super(code, stage, message, options);
  }
}
