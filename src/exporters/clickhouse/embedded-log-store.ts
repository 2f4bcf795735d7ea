// The `clickhouse` exporter's embedded mode: the store in this process (src/store/embedded-store.ts), and its
// query socket for `ebpipe query` while the agent holds the directory.
import { ExportError } from '../../pipeline/component.js';
import type { EmbeddedClickHouseStore, EmbeddedStoreOptions } from '../../store/embedded-store.js';
import { retryableClickHouseCode } from '../../store/error-codes.js';
import type { EncodedLogBlock, LogColumn } from '../../store/log-block.js';
import { StoreQueryServer } from '../../store/query-server.js';
import type { LogStore } from './log-store.js';

export class EmbeddedLogStore implements LogStore {
  #store: EmbeddedClickHouseStore | undefined;
  #queryServer: StoreQueryServer | undefined;

  constructor(
    private readonly options: EmbeddedStoreOptions & { path: string },
    private readonly querySocket: boolean,
  ) {}

  async start(): Promise<void> {
    // The engine is a 500 MB library: loaded when a pipeline uses it, not when ebpipe starts.
    const { EmbeddedClickHouseStore } = await import('../../store/embedded-store.js');
    const store = new EmbeddedClickHouseStore(this.options);
    try {
      await store.init();
    } catch (error) {
      await store.close();
      throw error;
    }
    this.#store = store;
    if (this.querySocket) {
      this.#queryServer = new StoreQueryServer(store);
      await this.#queryServer.listen();
    }
  }

  async columns(): Promise<readonly LogColumn[]> {
    return this.#open().columns;
  }

  async insert(block: EncodedLogBlock): Promise<void> {
    try {
      await this.#open().insertBlock(block);
    } catch (error) {
      // The engine's exception code, when it raised one (chdb's error, under the store's).
      const code = ((error as Error).cause as { clickhouseCode?: unknown } | undefined)?.clickhouseCode;
      const permanent = typeof code === 'number' && !retryableClickHouseCode(code);
      throw new ExportError('CLICKHOUSE_INSERT_FAILED', (error as Error).message, { permanent, cause: error });
    }
  }

  async shutdown(): Promise<void> {
    await this.#queryServer?.close();
    await this.#store?.close();
  }

  #open(): EmbeddedClickHouseStore {
    if (!this.#store) throw new ExportError('CLICKHOUSE_NOT_STARTED', 'clickhouse store is not open', { permanent: true });
    return this.#store;
  }
}
