// Real chdb in a temporary directory. chdb allows one open data directory per process, so every test closes
// its store before the next one opens.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { EmbeddedClickHouseStore } from './embedded-store.js';
import { ClickHouseStoreError } from './errors.js';
import type { Event } from '../../events/model.js';
import { sampleEvents } from '../../testing/sample-events.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { agentResource } from '../otel/resource.js';
import { logRowOf, type OtelLogRow } from './log-row.js';

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
        'TimestampTime DateTime',
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
      ],
    );
    const tables = await jsonRows(
      store,
      "SELECT name, engine FROM system.tables WHERE database = 'ebpipe' ORDER BY name",
    );
    assert.deepEqual(tables, [
      { name: 'connections', engine: 'View' },
      { name: 'otel_logs', engine: 'MergeTree' },
      { name: 'policy_hits', engine: 'View' },
      { name: 'process_exec', engine: 'View' },
    ]);
    const ddl = await store.query('SHOW CREATE TABLE ebpipe.otel_logs', 'TSV');
    assert.match(ddl, /PARTITION BY toDate\(TimestampTime\)/);
    assert.match(ddl, /ORDER BY \(ServiceName, TimestampTime, Timestamp\)/);
    assert.doesNotMatch(ddl, /TTL/);
  });
});

test('database, table and ttl options shape the schema; names that are not identifiers are refused', async () => {
  const store = new EmbeddedClickHouseStore({ path: freshPath(), database: 'sec', table: 'events', ttlDays: 30 });
  try {
    await store.init();
    const ddl = await store.query('SHOW CREATE TABLE sec.events', 'TSV');
    assert.match(ddl, /TTL TimestampTime \+ toIntervalDay\(30\)/);
    // TTL is applied when parts merge; OPTIMIZE FINAL forces that, so only the row from 31 days ago goes.
    const now = BigInt(Date.now()) * 1_000_000n;
    await store.insert([row({ timestampNs: now }), row({ timestampNs: now - 31n * 86_400_000_000_000n })]);
    await store.query('OPTIMIZE TABLE sec.events FINAL', 'CSV');
    assert.equal(await store.query('SELECT count() FROM sec.process_exec', 'CSV'), '1\n');
  } finally {
    await store.close();
  }
  for (const bad of [{ database: 'a;b' }, { table: 'x`y' }, { table: '1abc' }, { ttlDays: 1.5 }]) {
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

test('timestamps keep all nine digits; 0 falls back to the observed time; TimestampTime is derived', async () => {
  await withStore(freshPath(), async (store) => {
    const stamps = [1n, 999_999_999n, 1_700_000_000_123_456_789n, 4_294_967_295_999_999_999n];
    await store.insert([
      ...stamps.map((timestampNs) => row({ timestampNs })),
      row({ timestampNs: 0n, observedTimestampNs: 1_234_567_890_987_654_321n }),
    ]);
    const text = await store.query(
      'SELECT toString(toUnixTimestamp64Nano(Timestamp)), toUnixTimestamp(TimestampTime) FROM ebpipe.otel_logs ORDER BY Timestamp',
      'CSV',
    );
    assert.equal(
      text,
      [
        '"1",0',
        '"999999999",0',
        '"1234567890987654321",1234567890',
        '"1700000000123456789",1700000000',
        '"4294967295999999999",4294967295',
        '',
      ].join('\n'),
    );
  });
});

test('rows the engine would refuse are returned as rejected and the others are written', async () => {
  await withStore(freshPath(), async (store) => {
    const bad = [
      row({ timestampNs: -1n }),
      row({ timestampNs: 4_294_967_296_000_000_000n }),
      row({ severityNumber: 256 }),
      row({ severityNumber: 1.5 }),
      row({ logAttributes: { n: 5 as unknown as string } }),
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
    assert.match(result.rejected[4]?.reason ?? '', /^log attribute "n" is not a string$/);
    assert.equal(await store.query('SELECT Body FROM ebpipe.otel_logs ORDER BY Body', 'CSV'), '"good 1"\n"good 2"\n');
    assert.deepEqual(await store.insert([]), { inserted: 0, rejected: [] });
  });
});

test('the security views pick their events and read the attributes of the mapped records', async () => {
  const mapper = new EventRecordMapper(agentResource({ 'host.name': 'node-1' }));
  const samples = sampleEvents();
  const pick = (kind: Event['kind'], which = 0) => samples.filter((e) => e.kind === kind)[which]!;
  const close = pick('network.close');
  await withStore(freshPath(), async (store) => {
    const events = [
      pick('process.exec'),
      pick('process.exit'),
      pick('policy.match'),
      pick('policy.match', 1),
      pick('network.connect'),
      // A close of a socket made before the sensor started: no process, no addresses.
      { ...close, process: { pid: 0, tid: 0, startNs: 0, comm: '' }, local: { address: '', port: 0 } },
    ];
    await store.insert(events.map((e) => logRowOf(mapper.toRecord(e))));
    const process = {
      host: 'node-1',
      binary: '/usr/bin/curl',
      pid: 4242,
      exec_id: 'aG9zdDo0MjQyOjEwMDA',
      user: 'alice',
      container: 'c0ffee',
    };
    const execs = await jsonRows(store, 'SELECT * EXCEPT Timestamp FROM ebpipe.process_exec');
    assert.deepEqual(execs, [
      { ...process, argv: ['curl', '-s', 'https://example.com'], parent_pid: 10, parent_exec_id: 'aG9zdDoxMDoxMDA' },
    ]);
    const hits = await jsonRows(
      store,
      'SELECT event, policy, actions, action, binary, pid FROM ebpipe.policy_hits ORDER BY policy',
    );
    assert.deepEqual(hits, [
      {
        event: 'policy.match',
        policy: 'no-egress',
        actions: ['post'],
        action: 'post',
        binary: '/usr/bin/curl',
        pid: 4242,
      },
      {
        event: 'policy.match',
        policy: 'no-shadow',
        actions: ['post', 'sigkill'],
        action: 'sigkill',
        binary: '/usr/bin/curl',
        pid: 4242,
      },
    ]);
    const conns = await jsonRows(
      store,
      'SELECT event, transport, local_address, local_port, peer_address, peer_port, pid FROM ebpipe.connections ORDER BY event DESC',
    );
    assert.deepEqual(conns, [
      {
        event: 'network.connect',
        transport: 'tcp',
        local_address: '10.0.0.2',
        local_port: 40000,
        peer_address: '93.184.216.34',
        peer_port: 443,
        pid: 4242,
      },
      // Missing attributes read as empty strings and NULL numbers, not as port 0 (pid 0 is the kernel's).
      {
        event: 'network.close',
        transport: 'tcp',
        local_address: '',
        local_port: 0,
        peer_address: '93.184.216.34',
        peer_port: 443,
        pid: 0,
      },
    ]);
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
