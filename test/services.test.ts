// The test services really work, checked with their own tools and node's built-ins only:
// Kafka's console producer and consumer, the Collector's OTLP/HTTP and Splunk HEC receivers
// (with indexer acknowledgement and token checks) and its kafka receiver, each read back from
// the file exporter, and the S3 gateway through signed requests and its directory. Each
// instance is killed and restarted once and must come back with what it had.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attributeMap,
  serviceMissing,
  startCollector,
  startKafka,
  startS3,
  type ServiceName,
} from '../src/testing/services.js';
import { requirement } from './helpers/environment.js';

function servicesMissing(...names: ServiceName[]): string | null {
  return names.map(serviceMissing).find((reason) => reason !== null) ?? null;
}

function otlpLog(body: string, pid: number): unknown {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'services-test' } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: '1700000000000000001',
                body: { stringValue: body },
                attributes: [{ key: 'process.pid', value: { intValue: String(pid) } }],
              },
            ],
          },
        ],
      },
    ],
  };
}

test('kafka: the console tools write and read back through the broker, across a kill and restart', async (t) => {
  if (!requirement(t, servicesMissing('kafka'))) return;
  const kafka = await startKafka();
  t.after(() => kafka.close());

  await kafka.createTopic('events', 2);
  assert.deepEqual(await kafka.describeTopic('events'), { partitions: 2 });
  await kafka.produce('events', [
    { key: 'host-a', value: '{"n":1}' },
    { key: 'host-a', value: '{"n":2}' },
  ]);
  const read = await kafka.consume('events', { count: 2 });
  assert.deepEqual(
    read.map((m) => [m.key?.toString(), m.value.toString(), m.offset]),
    [
      ['host-a', '{"n":1}', 0],
      ['host-a', '{"n":2}', 1],
    ],
  );
  assert.equal(read[0]?.partition, read[1]?.partition, 'one key, one partition');

  const before = kafka.pid;
  await kafka.restart('kill');
  assert.notEqual(kafka.pid, before);
  await kafka.produce('events', [{ value: 'after restart' }]);
  const again = await kafka.consume('events', { count: 3 });
  assert.deepEqual(again.map((m) => m.value.toString()).sort(), ['after restart', '{"n":1}', '{"n":2}']);
});

test('otelcol: OTLP/HTTP and Splunk HEC (acknowledged, token checked) reach the file exporter, across a kill and restart', async (t) => {
  if (!requirement(t, servicesMissing('otelcol'))) return;
  const collector = await startCollector({ splunkHec: { ack: true, tokens: ['good-token'] } });
  t.after(() => collector.close());
  const { otlpHttp, splunkHec } = collector.endpoints;
  assert.ok(otlpHttp && splunkHec && collector.endpoints.otlpGrpc);

  const post = (body: unknown) =>
    fetch(`${otlpHttp}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  assert.equal((await post(otlpLog('first', 41))).status, 200);
  const [first] = await collector.waitForLogRecords(1);
  assert.deepEqual(first?.record.body, { stringValue: 'first' });
  assert.deepEqual(attributeMap(first?.record.attributes).get('process.pid'), { intValue: '41' });
  assert.deepEqual(attributeMap(first?.resource.attributes).get('service.name'), { stringValue: 'services-test' });

  await collector.restart('kill');
  assert.equal((await post(otlpLog('second', 42))).status, 200);
  const both = await collector.waitForLogRecords(2);
  assert.deepEqual(
    both.map((r) => r.record.body?.stringValue),
    ['first', 'second'],
    'the file keeps what the first run wrote',
  );

  const channel = '0f6a3c9e-1b2d-4e5f-8a7b-9c0d1e2f3a4b';
  const hec = (token: string, path = '', body: unknown = { event: 'via hec', time: 1700000000.25 }) =>
    fetch(`${splunkHec}${path}`, {
      method: 'POST',
      headers: { authorization: `Splunk ${token}`, 'x-splunk-request-channel': channel },
      body: JSON.stringify(body),
    });
  const refused = await hec('wrong-token');
  assert.equal(refused.status, 401, await refused.text());
  const accepted = await hec('good-token');
  const { ackId } = (await accepted.json()) as { ackId: number };
  assert.equal(typeof ackId, 'number');
  const records = await collector.waitForLogRecords(3);
  assert.deepEqual(records[2]?.record.body, { stringValue: 'via hec' });
  // The receiver turns HEC's float seconds into nanoseconds through a float64: 256 ns steps here.
  const nanos = BigInt(records[2]?.record.timeUnixNano ?? 0);
  assert.ok(nanos > 1700000000250000000n - 1000n && nanos < 1700000000250000000n + 1000n, String(nanos));
  const acks = (await (await hec('good-token', '/ack', { acks: [ackId] })).json()) as { acks: Record<string, boolean> };
  assert.deepEqual(acks, { acks: { [ackId]: true } });
  assert.equal((await collector.readLogs()).truncated, 0);
});

test('otelcol + kafka: the Collector kafka receiver reads what Kafka console producer wrote', async (t) => {
  if (!requirement(t, servicesMissing('kafka', 'otelcol'))) return;
  const kafka = await startKafka();
  t.after(() => kafka.close());
  const collector = await startCollector({
    otlp: false,
    kafka: { brokers: [kafka.bootstrap], topic: 'otlp_json_logs', encoding: 'otlp_json' },
  });
  t.after(() => collector.close());

  await kafka.produce('otlp_json_logs', [{ value: JSON.stringify(otlpLog('through kafka', 7)) }]);
  const [record] = await collector.waitForLogRecords(1, { timeoutMs: 60_000 });
  assert.deepEqual(record?.record.body, { stringValue: 'through kafka' });
  assert.deepEqual(attributeMap(record?.record.attributes).get('process.pid'), { intValue: '7' });
});

test('s3: a signed PUT is stored as a file in the bucket directory and listed and read back, across a kill and restart', async (t) => {
  if (!requirement(t, servicesMissing('s3'))) return;
  const s3 = await startS3({ buckets: ['ebpipe-logs'] });
  t.after(() => s3.close());

  const body = Buffer.from('{"n":1}\n{"n":2}\n');
  const put = await s3.request('PUT', '/ebpipe-logs/year=2026/events-1.ndjson', body);
  assert.equal(put.status, 200, await put.text());
  assert.deepEqual(await s3.listObjects(), [{ key: 'year=2026/events-1.ndjson', size: body.length }]);
  assert.deepEqual(await s3.readObject('year=2026/events-1.ndjson'), body);

  await s3.restart('kill');
  const listed = await s3.request('GET', '/ebpipe-logs?list-type=2');
  const xml = await listed.text();
  assert.equal(listed.status, 200, xml);
  assert.match(xml, /<Key>year=2026\/events-1\.ndjson<\/Key>/);
  const got = await s3.request('GET', '/ebpipe-logs/year=2026/events-1.ndjson');
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), body);

  const unsigned = await fetch(`${s3.endpoint}/ebpipe-logs/year=2026/events-1.ndjson`);
  assert.equal(unsigned.status, 403);
});
