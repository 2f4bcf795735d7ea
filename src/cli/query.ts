// `ebpipe query "SQL"`: reads the embedded store, through the running agent's socket when
// it holds the store, else by opening the directory itself.
import { queryStore } from '../store/query-client.js';
import type { QueryFormat } from '../store/store-settings.js';

export const QUERY_OUTPUTS = {
  table: 'PrettyCompact',
  json: 'JSONEachRow',
  csv: 'CSVWithNames',
} as const satisfies Record<string, QueryFormat>;
export type QueryOutput = keyof typeof QUERY_OUTPUTS;

export async function query(sql: string, options: { output: QueryOutput; store: string }): Promise<string> {
  return queryStore(sql, QUERY_OUTPUTS[options.output], { path: options.store });
}
