// The `clickhouse` exporter's server mode against the real engine behind the ClickHouse HTTP interface
// (scripts/services/clickhouse.sh): @clickhouse/client's own requests, the bytes read back from the engine.
// What this does not prove: a real clickhouse-server's HTTP handler, users, async insert queue and clusters
// (see the front's header, src/testing/clickhouse-http/http-front.ts).
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';

import type { Event } from '../src/events/model.js';
import { ClickHouseExporter } from '../src/exporters/clickhouse/clickhouse-exporter.js';
import { clickhouseSettings } from '../src/exporters/clickhouse/config.js';
import { logRowOf } from '../src/exporters/clickhouse/log-row.js';
import { ServerLogStore } from '../src/exporters/clickhouse/server-log-store.js';
import { EventRecordMapper } from '../src/exporters/otel/event-record.js';
import { agentResource } from '../src/exporters/otel/resource.js';
import { Delivery, type DeliveryResult } from '../src/pipeline/batch.js';
import { ExportError } from '../src/pipeline/component.js';
import { exporterQueueSettings } from '../src/pipeline/exporter-settings.js';
import { QueuedExporter } from '../src/pipeline/queued-exporter.js';
import { encodeLogBlock } from '../src/store/log-block.js';
import { sqlString } from '../src/store/payload-spool.js';
import { schemaStatements } from '../src/store/schema.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { ClickHouseTestServer, clickhouseServerMissing, freePort } from '../src/testing/clickhouse-server.js';
import { sampleEvents } from '../src/testing/sample-events.js';
import { until } from '../src/testing/wait.js';
import { requirement } from './helpers/environment.js';

const PASSWORD = 'p4ss-w0rd-never-logged';
const resource = agentResource({ 'host.name': 'node-1' });
let server: ClickHouseTestServer | undefined;
let databases = 0;

before(async () => {
  if (clickhouseServerMissing() === null) server = await ClickHouseTestServer.create({ password: PASSWORD });
});
after(async () => {
  await server?.close();
});

function running(t: TestContext): ClickHouseTestServer | undefined {
  if (!requirement(t, clickhouseServerMissing())) return undefined;
  return server;
}

/** `count` events of every sample kind in turn, each its own seq and time. */
function events(count: number, first = 0): Event[] {
  const samples = sampleEvents();
  return Array.from({ length: count }, (_, i) => {
    const sample = samples[(first + i) % samples.length]!;
    return { ...sample, origin: { ...sample.origin, seq: first + i, ktime: 2_000_000_000 + first + i } };
  });
}

/** Attribute values as the table's string maps hold them: numbers and bools as text, arrays as JSON. */
function asText(attributes: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [
        k,
        typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v as number | boolean),
      ]),
  );
}

function settings(endpoint: string | string[], extra: Record<string, unknown> = {}) {
  return clickhouseSettings.parse({
    endpoint,
    database: `ch_test_${databases++}`,
    username: 'default',
    password: PASSWORD,
    ...extra,
  });
}

function context(counters = new CounterRegistry(), lines: string[] = []) {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return {
    id: 'clickhouse',
    logger,
    counters,
    origin: () => ({ file: 'test.yaml', line: 1, column: 1 }),
    baseDir: process.cwd(),
    resource,
  };
}

/** An exporter behind the pipeline's queue, retrying fast; `send` enqueues and resolves once delivered. */
function queued(s: ReturnType<typeof settings>, counters: CounterRegistry, lines: string[]) {
  const ctx = context(counters, lines);
  const queue = new QueuedExporter(
    'clickhouse',
    new ClickHouseExporter(s, ctx),
    {
      ...exporterQueueSettings(s),
      retry: {
        enabled: true,
        initialIntervalMs: 50,
        maxIntervalMs: 400,
        multiplier: 2,
        randomizationFactor: 0.2,
        maxElapsedMs: 60_000,
      },
      batch: { minEvents: 0, maxEvents: 1000, flushTimeoutMs: 1 },
    },
    counters,
    ctx.logger,
  );
  const send = (batch: readonly Event[]): Promise<DeliveryResult> =>
    new Promise((resolve) => {
      const delivery = new Delivery(resolve);
      void queue.enqueue(batch, delivery).then(() => delivery.seal());
    });
  return { queue, send };
}

test('rows read back with SQL equal the rows sent, through @clickhouse/client to the engine', async (t) => {
  const ch = running(t);
  if (!ch) return;
  const s = settings(ch.endpoint);
  const exporter = new ClickHouseExporter(s, context());
  await exporter.start();
  const batch = events(40);
  assert.equal(await exporter.export(batch), undefined);
  const mapper = new EventRecordMapper(resource);
  const sent = batch.map((e) => logRowOf(mapper.toRecord(e)));
  const back = (
    await ch.query(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes, ScopeName, ScopeVersion, LogAttributes, EventName FROM ${s.database}.otel_logs ORDER BY Timestamp`,
      'JSONEachRow',
    )
  )
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    back,
    sent.map((r) => ({
      ts: String(r.timestampNs),
      SeverityText: r.severityText,
      SeverityNumber: r.severityNumber,
      ServiceName: r.serviceName,
      Body: r.body,
      ResourceAttributes: r.resourceAttributes,
      ScopeName: r.scopeName,
      ScopeVersion: r.scopeVersion ?? '',
      LogAttributes: asText(r.logAttributes),
      EventName: r.eventName,
    })),
  );
  assert.match(await ch.query(`SELECT count() FROM ${s.database}.connections`), /^[1-9]\d*\n$/);
  assert.equal(await ch.query(`EXISTS TABLE ${s.database}.otel_metrics_sum`), '1\n');
  await exporter.shutdown();
});

test('async_insert is sent with wait_for_async_insert, and rows are stored once the insert is acknowledged', async (t) => {
  const ch = running(t);
  if (!ch) return;
  const s = settings(ch.endpoint, { async_insert: true });
  const exporter = new ClickHouseExporter(s, context());
  await exporter.start();
  await exporter.export(events(25));
  assert.equal(await ch.query(`SELECT count() FROM ${s.database}.otel_logs`), '25\n');
  const insert = (await ch.queries()).filter((q) => q.includes(`insert \`${s.database}\`.\`otel_logs\``)).at(-1) ?? '';
  assert.match(insert, /FORMAT Native/);
  assert.match(insert, /async_insert=1/);
  assert.match(insert, /wait_for_async_insert=1/);
  assert.match(insert, /insert_deduplication_token='[0-9a-f-]{36}'/);
  const off = settings(ch.endpoint, { async_insert: false });
  const sync = new ClickHouseExporter(off, context());
  await sync.export(events(3));
  assert.match((await ch.queries()).at(-1) ?? '', /async_insert=0/);
  await Promise.all([exporter.shutdown(), sync.shutdown()]);
});

test('a retried block with its token is stored once; another token stores it again', async (t) => {
  const ch = running(t);
  if (!ch) return;
  const s = settings(ch.endpoint);
  const store = new ServerLogStore(s, [ch.endpoint]);
  const mapper = new EventRecordMapper(resource);
  const block = encodeLogBlock(
    events(10).map((e) => logRowOf(mapper.toRecord(e))),
    await store.columns(),
  );
  await store.insert(block, 'token-a');
  await store.insert(block, 'token-a');
  assert.equal(await ch.query(`SELECT count() FROM ${s.database}.otel_logs`), '10\n');
  await store.insert(block, 'token-b');
  assert.equal(await ch.query(`SELECT count() FROM ${s.database}.otel_logs`), '20\n');
  await store.shutdown();
});

test('a server unreachable at start: the agent runs, batches retry with backoff (counted) and land once it is up', async (t) => {
  if (!requirement(t, clickhouseServerMissing())) return;
  const late = await ClickHouseTestServer.create({ password: PASSWORD, start: false });
  try {
    const counters = new CounterRegistry();
    const lines: string[] = [];
    const s = settings(late.endpoint);
    const { queue, send } = queued(s, counters, lines);
    await queue.start(); // does not wait for the server
    const delivered = send(events(30));
    await until(
      'a failed attempt',
      () => (counters.total('exporter_send_failed_attempts_total') >= 2 ? true : undefined),
      10_000,
    );
    await late.start();
    assert.deepEqual(await delivered, { exported: 30, dropped: 0 });
    assert.ok(counters.total('exporter_errors_total') >= 2);
    assert.ok(lines.some((l) => l.includes('CLICKHOUSE_UNREACHABLE') && l.includes('ECONNREFUSED')));
    await queue.shutdown();
    assert.equal(await late.query(`SELECT count() FROM ${s.database}.otel_logs`), '30\n');
  } finally {
    await late.close();
  }
});

test('a wrong password is permanent: the batch is dropped and counted, and no log line or error has the password', async (t) => {
  const ch = running(t);
  if (!ch) return;
  const counters = new CounterRegistry();
  const lines: string[] = [];
  const wrong = 'wr0ng-s3cret-value';
  const { queue, send } = queued(settings(ch.endpoint, { password: wrong }), counters, lines);
  await queue.start();
  assert.deepEqual(await send(events(5)), { exported: 0, dropped: 5 });
  assert.equal(counters.total('exporter_send_failed_attempts_total'), 1, 'not retried');
  const logged = lines.join('');
  assert.match(logged, /CLICKHOUSE_AUTHENTICATION_FAILED/);
  assert.match(logged, /Code: 516/);
  assert.doesNotMatch(logged, new RegExp(wrong));
  assert.doesNotMatch(logged, new RegExp(PASSWORD));
  await queue.shutdown();
});

test("an unknown database (create_schema false) and a type the table refuses are permanent, with the server's code", async (t) => {
  const ch = running(t);
  if (!ch) return;
  const unknown = new ClickHouseExporter(
    settings(ch.endpoint, { database: 'no_such_db', create_schema: false }),
    context(),
  );
  await assert.rejects(
    unknown.export(events(2)),
    (e: unknown) =>
      e instanceof ExportError && e.permanent && e.code === 'CLICKHOUSE_UNKNOWN_DATABASE' && /Code: 81/.test(e.message),
  );
  await unknown.shutdown();
  const s = settings(ch.endpoint, { create_schema: false });
  await ch.query(`CREATE DATABASE ${s.database}`);
  // A table of someone else's making, with the names of otel_logs and a type ours does not convert to.
  await ch.query(
    `CREATE TABLE ${s.database}.otel_logs (Timestamp DateTime64(9), Body String, LogAttributes Map(String, UInt64)) ENGINE = MergeTree ORDER BY Timestamp`,
  );
  const typed = new ClickHouseExporter(s, context());
  await assert.rejects(typed.export(events(2)), (e: unknown) => {
    assert.ok(e instanceof ExportError);
    assert.equal(e.permanent, true, e.message);
    assert.match(e.message, /Code: \d+\./);
    return true;
  });
  assert.equal(await ch.query(`SELECT count() FROM ${s.database}.otel_logs`), '0\n');
  await typed.shutdown();
});

test('rows the engine would refuse are dropped and counted, the rest of the batch is stored', async (t) => {
  const ch = running(t);
  if (!ch) return;
  const counters = new CounterRegistry();
  const s = settings(ch.endpoint);
  const { queue, send } = queued(s, counters, []);
  await queue.start();
  const batch = events(6);
  // A clock offset that puts the event past 2106, where the table's time types stop.
  batch[2] = { ...batch[2]!, origin: { ...batch[2]!.origin, clockOffsetNs: 5_000_000_000_000_000_000n } };
  assert.deepEqual(await send(batch), { exported: 5, dropped: 1 });
  assert.equal(counters.total('exporter_dropped_events_total'), 1);
  assert.equal(await ch.query(`SELECT count() FROM ${s.database}.otel_logs`), '5\n');
  await queue.shutdown();
});

test('cluster_name and table_engine: ON CLUSTER on every statement, and the engine accepts what it can run here', async (t) => {
  const ch = running(t);
  if (!ch) return;
  const engine = {
    name: 'ReplicatedMergeTree',
    params: "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'",
  };
  const statements = schemaStatements({
    database: 'sec',
    logsTable: 'otel_logs',
    clusterName: 'fleet',
    tableEngine: engine,
    fullTextIndexes: true,
    ttlMs: 72 * 3_600_000,
  });
  assert.equal(statements.length, 6);
  assert.equal(statements[0], 'CREATE DATABASE IF NOT EXISTS `sec` ON CLUSTER `fleet`');
  for (const statement of statements)
    assert.match(
      statement,
      /^CREATE (TABLE IF NOT EXISTS|OR REPLACE VIEW|DATABASE IF NOT EXISTS) `sec`(\.`\w+`)? ON CLUSTER `fleet`( |$)/,
    );
  assert.match(
    statements[1]!,
    /\) ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)\n/,
  );
  assert.match(statements[1]!, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(3\)/);
  assert.doesNotMatch(
    statements[1]!,
    /non_replicated_deduplication_window/,
    'replicated tables deduplicate by themselves',
  );
  // Every statement parses in the engine's own parser, ON CLUSTER and Replicated engine included...
  for (const statement of statements) {
    const formatted = await ch.query(`SELECT formatQuery(${sqlString(statement)})`);
    assert.match(formatted, /ON CLUSTER fleet/);
  }
  // ...and, with no cluster and no Keeper here, the engine says so: permanent, with its code.
  const exporter = new ClickHouseExporter(
    settings(ch.endpoint, { cluster_name: 'fleet', table_engine: engine }),
    context(),
  );
  await assert.rejects(
    exporter.export(events(1)),
    (e: unknown) => e instanceof ExportError && e.permanent && e.code === 'CLICKHOUSE_CLUSTER_DOESNT_EXIST',
  );
  await exporter.shutdown();
  // Without ON CLUSTER, another engine of the MergeTree family runs as given (on every table, as in the Collector).
  const replacing = settings(ch.endpoint, { table_engine: { name: 'ReplacingMergeTree' } });
  const local = new ClickHouseExporter(replacing, context());
  await local.export(events(4));
  assert.match(
    await ch.query(
      `SELECT engine_full FROM system.tables WHERE database = '${replacing.database}' AND name = 'otel_logs'`,
    ),
    /^ReplacingMergeTree /,
  );
  await local.shutdown();
});

test('several endpoints: an unreachable one is passed over for the next', async (t) => {
  const ch = running(t);
  if (!ch) return;
  const s = settings([`http://127.0.0.1:${await freePort()}`, ch.endpoint]);
  const exporter = new ClickHouseExporter(s, context());
  await exporter.export(events(7));
  assert.equal(await ch.query(`SELECT count() FROM ${s.database}.otel_logs`), '7\n');
  await exporter.shutdown();
});

test('the server killed and restarted 10 times mid-stream: no acknowledged row lost, none stored twice', async (t) => {
  if (!requirement(t, clickhouseServerMissing())) return;
  const own = await ClickHouseTestServer.create({ password: PASSWORD });
  try {
    const counters = new CounterRegistry();
    const s = settings(own.endpoint);
    const { queue, send } = queued(s, counters, []);
    await queue.start();
    const batches = 60;
    const perBatch = 200;
    let acknowledged = 0;
    const sending = (async () => {
      const pending: Promise<DeliveryResult>[] = [];
      for (let b = 0; b < batches; b++) {
        pending.push(send(events(perBatch, b * perBatch)).then((r) => ((acknowledged += r.exported), r)));
        await delay(15);
      }
      return Promise.all(pending);
    })();
    for (let k = 0; k < 10; k++) {
      await delay(60 + Math.random() * 60);
      await own.kill();
      await delay(30);
      await own.start();
    }
    const results = await sending;
    await queue.shutdown();
    assert.equal(
      results.reduce((n, r) => n + r.dropped, 0),
      0,
      'nothing dropped',
    );
    assert.equal(acknowledged, batches * perBatch);
    const [stored, distinct] = (
      await own.query(
        `SELECT count(), uniqExact(LogAttributes['ebpipe.seq'], Body, Timestamp) FROM ${s.database}.otel_logs`,
      )
    )
      .trim()
      .split('\t')
      .map(Number);
    assert.equal(stored, batches * perBatch, 'every acknowledged row is there, once');
    assert.equal(distinct, stored);
    assert.ok(counters.total('exporter_send_failed_attempts_total') > 0, 'the kills were felt');
  } finally {
    await own.close();
  }
});
