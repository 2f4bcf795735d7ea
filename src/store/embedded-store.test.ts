// Real chdb in a temporary directory. chdb allows one open data directory per process, so every test closes
// its store before the next one opens.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { EmbeddedClickHouseStore } from './embedded-store.js';
import { ClickHouseStoreError } from './errors.js';
import { LOG_COLUMNS } from './log-block.js';
import type { OtelLogRow } from './log-row.js';

const root = mkdtempSync(join(tmpdir(), 'ebpipe-chdb-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshPath = (): string => join(root, `store-${dirs++}`);

function row(overrides: Partial<OtelLogRow> = {}): OtelLogRow {
  return {
    timestampNs: 1_700_000_000_123_456_789n,
    severityText: 'INFO',
    severityNumber: 9,
    serviceName: 'ebpipe',
    body: 'event',
    eventName: 'process.exec',
    resourceAttributes: { 'host.name': 'node-1' },
    logAttributes: {},
    ...overrides,
  };
}

async function withStore<T>(path: string, use: (store: EmbeddedClickHouseStore) => Promise<T>): Promise<T> {
  const store = new EmbeddedClickHouseStore({ path });
  try {
    await store.init();
    return await use(store);
  } finally {
    await store.close();
  }
}

async function jsonRows(store: EmbeddedClickHouseStore, sql: string): Promise<Record<string, unknown>[]> {
  const text = await store.query(sql, 'JSONEachRow');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("init creates the otel_logs table with the Collector's columns, and the views; twice is fine", async () => {
  await withStore(freshPath(), async (store) => {
    await store.init();
    const columns = await jsonRows(
      store,
      "SELECT name, type FROM system.columns WHERE database = 'ebpipe' AND table = 'otel_logs' ORDER BY position",
    );
    assert.deepEqual(
      columns.map((c) => `${String(c['name'])} ${String(c['type'])}`),
      [
        'Timestamp DateTime64(9)',
        'TraceId String',
        'SpanId String',
        'TraceFlags UInt8',
        'SeverityText LowCardinality(String)',
        'SeverityNumber UInt8',
        'ServiceName LowCardinality(String)',
        'Body String',
        'ResourceSchemaUrl LowCardinality(String)',
        'ResourceAttributes Map(LowCardinality(String), String)',
        'ScopeSchemaUrl LowCardinality(String)',
        'ScopeName String',
        'ScopeVersion LowCardinality(String)',
        'ScopeAttributes Map(LowCardinality(String), String)',
        'LogAttributes Map(LowCardinality(String), String)',
        'EventName String',
        '__otel_materialized_k8s.cluster.name LowCardinality(String)',
        '__otel_materialized_k8s.container.name LowCardinality(String)',
        '__otel_materialized_k8s.deployment.name LowCardinality(String)',
        '__otel_materialized_k8s.namespace.name LowCardinality(String)',
        '__otel_materialized_k8s.node.name LowCardinality(String)',
        '__otel_materialized_k8s.pod.name LowCardinality(String)',
        '__otel_materialized_k8s.pod.uid LowCardinality(String)',
        '__otel_materialized_deployment.environment.name LowCardinality(String)',
      ],
    );
    assert.deepEqual(store.columns, LOG_COLUMNS);
    const tables = await jsonRows(
      store,
      "SELECT name, engine FROM system.tables WHERE database = 'ebpipe' ORDER BY name",
    );
    assert.deepEqual(tables, [
      { name: 'connections', engine: 'View' },
      { name: 'otel_logs', engine: 'MergeTree' },
      { name: 'otel_metrics_sum', engine: 'MergeTree' },
      { name: 'policy_hits', engine: 'View' },
      { name: 'process_exec', engine: 'View' },
    ]);
    const ddl = await store.query('SHOW CREATE TABLE ebpipe.otel_logs', 'TSV');
    assert.match(ddl, /PARTITION BY toDate\(Timestamp\)/);
    assert.match(ddl, /ORDER BY \(toStartOfFiveMinutes\(Timestamp\), ServiceName, Timestamp\)/);
    // chdb is ClickHouse 26.7: the Collector's full-text indexes.
    assert.match(ddl, /INDEX idx_lower_body lower\(Body\) TYPE text\(tokenizer = \\'splitByNonAlpha\\'\)/);
    assert.match(ddl, /non_replicated_deduplication_window = 1000/);
    assert.doesNotMatch(ddl, /TTL/);
  });
});

test('database, table and ttl options shape the schema; names that are not identifiers are refused', async () => {
  const store = new EmbeddedClickHouseStore({
    path: freshPath(),
    database: 'sec',
    logsTable: 'events',
    ttlMs: 30 * 86_400_000,
  });
  try {
    await store.init();
    const ddl = await store.query('SHOW CREATE TABLE sec.events', 'TSV');
    assert.match(ddl, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(30\)/);
    // TTL is applied when parts merge; OPTIMIZE FINAL forces that, so only the row from 31 days ago goes.
    const now = BigInt(Date.now()) * 1_000_000n;
    await store.insert([row({ timestampNs: now }), row({ timestampNs: now - 31n * 86_400_000_000_000n })]);
    await store.query('OPTIMIZE TABLE sec.events FINAL', 'CSV');
    assert.equal(await store.query('SELECT count() FROM sec.process_exec', 'CSV'), '1\n');
  } finally {
    await store.close();
  }
  for (const bad of [{ database: 'a;b' }, { logsTable: 'x`y' }, { logsTable: '1abc' }, { ttlMs: 1500 }]) {
    assert.throws(
      () => new EmbeddedClickHouseStore({ path: freshPath(), ...bad }),
      (e: unknown) => e instanceof ClickHouseStoreError && e.code === 'CLICKHOUSE_BAD_OPTION',
    );
  }
});

const AWKWARD = [
  'double " quote',
  "single ' quote",
  'back\\slash \\n not a newline \\ud800 not a surrogate',
  'new\nline\r\ncrlf\ttab',
  'nul\u0000inside\u0000',
  'control \u0001\u001f\u007f',
  'emoji 🛰️ and 中文 and é',
  '',
  "{'looks': 'like a map'}",
  '[1, 2, 3]',
];

test('awkward strings and maps come back exactly as written', async () => {
  await withStore(freshPath(), async (store) => {
    const rows = AWKWARD.map((text, i) =>
      row({
        timestampNs: 1_700_000_000_000_000_000n + BigInt(i),
        body: text,
        serviceName: `svc ${text}`,
        eventName: `ev ${text}`,
        traceId: text,
        scopeName: text,
        logAttributes: { [text]: text, [`k${i}`]: `v${text}`, 'process.pid': String(i) },
        resourceAttributes: { 'host.name': text },
      }),
    );
    const result = await store.insert(rows);
    assert.deepEqual(result, { inserted: AWKWARD.length, rejected: [] });
    const back = await jsonRows(
      store,
      'SELECT Body, ServiceName, EventName, TraceId, ScopeName, LogAttributes, ResourceAttributes FROM ebpipe.otel_logs ORDER BY Timestamp',
    );
    assert.equal(back.length, AWKWARD.length);
    back.forEach((got, i) => {
      const text = AWKWARD[i] as string;
      assert.deepEqual(got, {
        Body: text,
        ServiceName: `svc ${text}`,
        EventName: `ev ${text}`,
        TraceId: text,
        ScopeName: text,
        LogAttributes: { [text]: text, [`k${i}`]: `v${text}`, 'process.pid': String(i) },
        ResourceAttributes: { 'host.name': text },
      });
    });
  });
});

test('rows of several resources in one insert keep their own resource, shared objects and all', async () => {
  await withStore(freshPath(), async (store) => {
    const a = { 'host.name': 'a' };
    const b = { 'host.name': 'b', 'host.id': 'x' };
    const hosts = ['a', 'a', 'b', 'b', 'a', 'b', 'b', 'a'];
    await store.insert(hosts.map((h, i) => row({ body: `r${i}`, resourceAttributes: h === 'a' ? a : b })));
    const back = await jsonRows(
      store,
      "SELECT Body, ResourceAttributes['host.name'] AS host FROM ebpipe.otel_logs ORDER BY Body",
    );
    assert.deepEqual(
      back.map((r) => r['host']),
      hosts,
    );
  });
});

test('lone surrogates are stored as U+FFFD and the rest of the batch is unharmed', async () => {
  await withStore(freshPath(), async (store) => {
    const result = await store.insert([
      row({ body: 'a\uD800b\uDC00c\uD83D\uDE00d', logAttributes: { 'k\uDFFF': 'v\uDBFF' } }),
      row({ body: 'clean', timestampNs: 1n }),
    ]);
    assert.equal(result.inserted, 2);
    const back = await jsonRows(
      store,
      'SELECT Body, LogAttributes, hex(Body) AS hex FROM ebpipe.otel_logs ORDER BY Timestamp',
    );
    assert.deepEqual(back[0], { Body: 'clean', LogAttributes: {}, hex: '636C65616E' });
    assert.deepEqual(back[1]?.['Body'], 'a\uFFFDb\uFFFDc😀d');
    assert.deepEqual(back[1]?.['LogAttributes'], { 'k\uFFFD': 'v\uFFFD' });
  });
});

test('timestamps keep all nine digits; 0 falls back to the observed time', async () => {
  await withStore(freshPath(), async (store) => {
    const stamps = [1n, 999_999_999n, 1_700_000_000_123_456_789n, 4_294_967_295_999_999_999n];
    await store.insert([
      ...stamps.map((timestampNs) => row({ timestampNs })),
      row({ timestampNs: 0n, observedTimestampNs: 1_234_567_890_987_654_321n }),
    ]);
    const text = await store.query(
      'SELECT toString(toUnixTimestamp64Nano(Timestamp)) FROM ebpipe.otel_logs ORDER BY Timestamp',
      'CSV',
    );
    assert.equal(
      text,
      ['"1"', '"999999999"', '"1234567890987654321"', '"1700000000123456789"', '"4294967295999999999"', ''].join('\n'),
    );
  });
});

test('a table in the older layout (TimestampTime), here without ScopeVersion, is written as it is', async () => {
  const path = freshPath();
  const setup = new EmbeddedClickHouseStore({ path, createSchema: false });
  try {
    await setup.query('CREATE DATABASE ebpipe', 'TSV');
    await setup.query(
      `CREATE TABLE ebpipe.otel_logs (
        Timestamp DateTime64(9), TimestampTime DateTime DEFAULT toDateTime(Timestamp), TraceId String,
        SpanId String, TraceFlags UInt8, SeverityText LowCardinality(String), SeverityNumber UInt8,
        ServiceName LowCardinality(String), Body String, ResourceAttributes Map(LowCardinality(String), String),
        ScopeName String, LogAttributes Map(LowCardinality(String), String), EventName String
      ) ENGINE = MergeTree PARTITION BY toDate(TimestampTime) ORDER BY (ServiceName, TimestampTime, Timestamp)`,
      'TSV',
    );
  } finally {
    await setup.close();
  }
  await withStore(path, async (store) => {
    assert.deepEqual(
      store.columns,
      LOG_COLUMNS.filter((c) => c !== 'ScopeVersion'),
    );
    await store.insert([row({ timestampNs: 1_700_000_000_500_000_000n, body: 'old layout' })]);
    assert.equal(
      await store.query('SELECT Body, toUnixTimestamp(TimestampTime), LogAttributes FROM ebpipe.otel_logs', 'TSV'),
      'old layout\t1700000000\t{}\n',
    );
    const ddl = await store.query('SHOW CREATE TABLE ebpipe.otel_logs', 'TSV');
    assert.match(ddl, /ORDER BY \(ServiceName, TimestampTime, Timestamp\)/, 'the table is left as it was');
  });
});

test('rows the engine would refuse are returned as rejected and the others are written', async () => {
  await withStore(freshPath(), async (store) => {
    const bad = [
      row({ timestampNs: -1n }),
      row({ timestampNs: 4_294_967_296_000_000_000n }),
      row({ severityNumber: 256 }),
      row({ severityNumber: 1.5 }),
      row({ logAttributes: { n: {} as unknown as string } }),
      row({ resourceAttributes: null as unknown as Record<string, string> }),
      row({ body: undefined as unknown as string }),
      row({ timestampNs: 5 as unknown as bigint }),
    ];
    const result = await store.insert([row({ body: 'good 1' }), ...bad, row({ body: 'good 2' })]);
    assert.equal(result.inserted, 2);
    assert.deepEqual(
      result.rejected.map((r) => r.index),
      bad.map((_, i) => i + 1),
    );
    assert.match(result.rejected[0]?.reason ?? '', /^timestamp -1 ns is outside/);
    assert.match(
      result.rejected[4]?.reason ?? '',
      /^log attribute "n" is not a string, a finite number, a bool or an array$/,
    );
    assert.equal(await store.query('SELECT Body FROM ebpipe.otel_logs ORDER BY Body', 'CSV'), '"good 1"\n"good 2"\n');
    assert.deepEqual(await store.insert([]), { inserted: 0, rejected: [] });
  });
});

test('re-opening an existing directory keeps the data', async () => {
  const path = freshPath();
  await withStore(path, async (store) => {
    await store.insert(Array.from({ length: 1000 }, (_, i) => row({ timestampNs: BigInt(i + 1), body: `row ${i}` })));
  });
  await withStore(path, async (store) => {
    assert.equal(await store.query('SELECT count(), countDistinct(Body) FROM ebpipe.otel_logs', 'CSV'), '1000,1000\n');
    await store.insert([row()]);
    assert.equal(await store.query('SELECT count() FROM ebpipe.otel_logs', 'CSV'), '1001\n');
  });
});

test("query returns the engine's text in each format and names bad formats and bad SQL", async () => {
  await withStore(freshPath(), async (store) => {
    await store.insert([row({ body: 'a,b' }), row({ body: 'q"x', timestampNs: 2n })]);
    const sql = 'SELECT Body AS body, SeverityNumber AS sev FROM ebpipe.otel_logs ORDER BY Timestamp';
    assert.equal(await store.query(sql, 'CSVWithNames'), '"body","sev"\n"q""x",9\n"a,b",9\n');
    assert.equal(await store.query(sql, 'JSONEachRow'), '{"body":"q\\"x","sev":9}\n{"body":"a,b","sev":9}\n');
    assert.equal(await store.query(sql, 'TSVWithNames'), 'body\tsev\nq"x\t9\na,b\t9\n');
    const pretty = await store.query(sql, 'PrettyCompact');
    assert.match(pretty, /┌─body─┬─sev─┐/);
    assert.match(pretty, /│ a,b  │   9 │/);
    await assert.rejects(
      store.query(sql, 'XML' as 'CSV'),
      (e: unknown) => e instanceof ClickHouseStoreError && e.code === 'CLICKHOUSE_BAD_FORMAT',
    );
    await assert.rejects(
      store.query('SELECT nope FROM ebpipe.otel_logs', 'CSV'),
      (e: unknown) =>
        e instanceof ClickHouseStoreError &&
        e.code === 'CLICKHOUSE_QUERY_FAILED' &&
        /UNKNOWN_IDENTIFIER/.test(e.message),
    );
  });
});

test('close is idempotent, waits for an insert under way, and later calls fail with CLICKHOUSE_CLOSED', async () => {
  const path = freshPath();
  const store = new EmbeddedClickHouseStore({ path });
  await store.init();
  const inserting = store.insert(Array.from({ length: 5000 }, (_, i) => row({ timestampNs: BigInt(i + 1) })));
  const closing = store.close();
  assert.equal(store.close(), closing);
  await closing;
  assert.deepEqual((await inserting).inserted, 5000);
  await assert.rejects(
    store.insert([row()]),
    (e: unknown) => e instanceof ClickHouseStoreError && e.code === 'CLICKHOUSE_CLOSED',
  );
  await assert.rejects(
    store.query('SELECT 1', 'CSV'),
    (e: unknown) => e instanceof ClickHouseStoreError && e.code === 'CLICKHOUSE_CLOSED',
  );
  await withStore(path, async (reopened) => {
    assert.equal(await reopened.query('SELECT count() FROM ebpipe.otel_logs', 'CSV'), '5000\n');
  });
});
