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
export type ClickHouseStoreStage = 'configuring' | 'opening' | 'sending' | 'querying';

export class ClickHouseStoreError extends Error {
  override readonly name = 'ClickHouseStoreError';
  readonly code: ClickHouseStoreErrorCode;
  readonly stage: ClickHouseStoreStage;

  constructor(code: ClickHouseStoreErrorCode, stage: ClickHouseStoreStage, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.stage = stage;
  }
}
