// Store defaults and query formats, apart from embedded-store.ts so that naming them does
// not load the ClickHouse engine (a 500 MB library) into every ebpipe command.

/** Where the agent keeps its store unless a pipeline says otherwise; `ebpipe query` reads the same. */
export const DEFAULT_STORE_PATH = '/var/lib/ebpipe/chdb';

/** Output formats `query` accepts (ClickHouse names); the text comes back exactly as the engine wrote it. */
export const QUERY_FORMATS = [
  'JSONEachRow',
  'JSONCompactEachRow',
  'JSON',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TSVWithNames',
  'Pretty',
  'PrettyCompact',
  'PrettyCompactMonoBlock',
  'Markdown',
  'Vertical',
] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

export function isQueryFormat(name: string): name is QueryFormat {
  return (QUERY_FORMATS as readonly string[]).includes(name);
}
