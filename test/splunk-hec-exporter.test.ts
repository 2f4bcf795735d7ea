// The splunk_hec exporter against a real HEC receiver: the OpenTelemetry Collector's splunk_hec
// receiver (v0.130.0) with its ack extension and, where a test says so, bearertokenauth checking
// the token, read back from its file exporter. Envelope and indexed fields of every kind,
// acknowledgement gating delivery, a refused token, requests split below the limit, and the
// receiver killed and restarted under load. Needs the Collector (scripts/services/otelcol.sh).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import type { Event } from '../src/events/model.js';
import { ocsfEventOf } from '../src/exporters/ocsf/ocsf-mapper.js';
import { EventRecordMapper, hrTimeNanosText } from '../src/exporters/otel/event-record.js';
import { agentResource } from '../src/exporters/otel/resource.js';
import { HecEventEncoder, indexedFields } from '../src/exporters/splunk_hec/hec-event.js';
import { splitIntoRequests } from '../src/exporters/splunk_hec/hec-requests.js';
import { SplunkHecExporter, splunkHecExporter } from '../src/exporters/splunk_hec/splunk-hec-exporter.js';
import { Delivery, type DeliveryResult } from '../src/pipeline/batch.js';
import { ExportError } from '../src/pipeline/component.js';
import { QueuedExporter } from '../src/pipeline/queued-exporter.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { noRetry, testContext } from '../src/testing/pipeline.js';
import { sampleEvents } from '../src/testing/sample-events.js';
import {
  plainAttributes,
  plainValue,
  serviceMissing,
  startCollector,
  type Collector,
  type CollectorOptions,
  type ReceivedLogRecord,
} from '../src/testing/services.js';
import { execEvent } from '../src/testing/synthetic-events.js';
import { requirement } from './helpers/environment.js';

const resource = agentResource({ 'host.name': 'hec-test-host' });

/** A logger whose every line the test can read. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

interface Harness {
  exporter: SplunkHecExporter;
  counters: CounterRegistry;
  /** Lines of the exporter's and its queue's log. */
  lines: string[];
  logger: Logger;
}

function exporterFor(collector: Collector, settings: Record<string, unknown> = {}, id = 'splunk_hec'): Harness {
  const counters = new CounterRegistry();
  const { logger, lines } = capturedLogger();
  const s = splunkHecExporter.settings.parse({
    endpoint: collector.endpoints.splunkHec,
    token: 'hec-token',
    ...settings,
  });
  const exporter = new SplunkHecExporter(s, { ...testContext(id, counters), logger, resource });
  return { exporter, counters, lines, logger };
}

async function collectorFor(t: TestContext, opts: CollectorOptions): Promise<Collector | undefined> {
  if (!requirement(t, serviceMissing('otelcol'))) return undefined;
  const collector = await startCollector({ otlp: false, ...opts });
  t.after(() => collector.close());
  return collector;
}

/** `count` distinct exec events: process.pid is 100000 + the index, so each is found again by its pid. */
function execs(count: number, from = 0): Event[] {
  return Array.from({ length: count }, (_, i) =>
    execEvent({
      ktime: 5_000_000_000 + (from + i) * 1000,
      process: { pid: 100_000 + from + i, startNs: from + i },
      parent: { pid: 1, startNs: 1 },
      binary: '/usr/bin/worker',
      argv: ['/usr/bin/worker', `--job=${from + i}`],
    }),
  );
}

function pidOf(r: ReceivedLogRecord): number {
  return Number(plainAttributes(r.record.attributes)['process.pid']);
}

/** Runs events through the pipeline's queue in front of the exporter; resolves with every delivery's result. */
async function throughQueue(
  h: Harness,
  batches: readonly Event[][],
  opts: { numConsumers?: number; maxEvents?: number; retry?: boolean; during?: () => Promise<void> } = {},
): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = [];
  const queued = new QueuedExporter(
    'splunk_hec',
    h.exporter,
    {
      queue: { queueSize: 8, numConsumers: opts.numConsumers ?? 1, blockOnOverflow: true },
      retry: opts.retry
        ? {
            ...noRetry,
            enabled: true,
            initialIntervalMs: 100,
            maxIntervalMs: 500,
            multiplier: 2,
            maxElapsedMs: 120_000,
          }
        : noRetry,
      batch: { minEvents: 0, maxEvents: opts.maxEvents ?? 1000, flushTimeoutMs: 1 },
    },
    h.counters,
    h.logger,
  );
  await queued.start();
  const feeding = (async () => {
    for (const events of batches) {
      const delivery = new Delivery((r) => results.push(r));
      await queued.enqueue(events, delivery);
      delivery.seal();
    }
  })();
  await Promise.all([feeding, opts.during?.()]);
  await queued.shutdown(120_000);
  return results;
}

function totals(results: readonly DeliveryResult[]) {
  return results.reduce((t, r) => ({ exported: t.exported + r.exported, dropped: t.dropped + r.dropped }), {
    exported: 0,
    dropped: 0,
  });
}

const acked = { enabled: true, query_interval: '50ms' };

describe('splunk_hec exporter into the Collector splunk_hec receiver', () => {
  test('every kind arrives with its envelope, the record as body, its indexed fields and its time', async (t) => {
    const collector = await collectorFor(t, { splunkHec: { ack: true } });
    if (!collector) return;
    const h = exporterFor(collector, { source: 'ebpipe-test', index: 'security', acknowledgements: acked });
    t.after(() => h.exporter.shutdown());
    const events = sampleEvents();
    assert.equal(await h.exporter.export(events), undefined);

    const received = await collector.waitForLogRecords(events.length);
    assert.equal(received.length, events.length);
    const mapper = new EventRecordMapper(resource);
    const encoder = new HecEventEncoder(resource, { source: 'ebpipe-test', sourcetype: 'ebpipe:event', index: '' });
    events.forEach((event, i) => {
      const record = mapper.toRecord(event);
      const got = received[i]!;
      assert.deepEqual(plainAttributes(got.resource.attributes), {
        'host.name': 'hec-test-host',
        'com.splunk.source': 'ebpipe-test',
        'com.splunk.sourcetype': 'ebpipe:event',
        'com.splunk.index': 'security',
      });
      const sent = JSON.parse(encoder.encode(record)) as { event: unknown };
      assert.deepEqual(plainValue(got.record.body), sent.event, record.eventName);
      assert.deepEqual(plainAttributes(got.record.attributes), indexedFields(record), record.eventName);
      // HEC's time reaches the receiver as a float64 of seconds: exact to well under a microsecond.
      const skew = BigInt(got.record.timeUnixNano ?? 0) - BigInt(hrTimeNanosText(record.hrTime));
      assert.ok(skew > -1000n && skew < 1000n, `${record.eventName}: ${skew} ns off`);
    });
    assert.equal(h.counters.total('exporter_resent_events_total'), 0);
  });

  test('encoding ocsf: every kind arrives as its OCSF event, with the ebpipe:ocsf sourcetype', async (t) => {
    const collector = await collectorFor(t, { splunkHec: { ack: false } });
    if (!collector) return;
    const h = exporterFor(collector, { encoding: 'ocsf' });
    t.after(() => h.exporter.shutdown());
    const events = sampleEvents();
    assert.equal(await h.exporter.export(events), undefined);

    const received = await collector.waitForLogRecords(events.length);
    assert.equal(received.length, events.length);
    const records = new EventRecordMapper(resource).toRecords(events);
    records.forEach((record, i) => {
      const got = received[i]!;
      assert.equal(plainAttributes(got.resource.attributes)['com.splunk.sourcetype'], 'ebpipe:ocsf');
      // The receiver turns the JSON numbers of the event into doubles; compare through JSON.
      const body = plainValue(got.record.body) as Record<string, unknown>;
      const expected = JSON.parse(JSON.stringify(ocsfEventOf(record))) as Record<string, unknown>;
      assert.equal(body['class_uid'], expected['class_uid'], record.eventName);
      assert.equal(body['type_uid'], expected['type_uid'], record.eventName);
      assert.deepEqual(JSON.parse(JSON.stringify(body)), expected, record.eventName);
    });
  });

  test('acknowledgements gate delivery: a 200 whose ack never turns true is sent again, counted', async (t) => {
    // The ack extension keeps one ackId per channel: the second request's evicts the first's,
    // which is then never true, however often it is asked about.
    const collector = await collectorFor(t, {
      splunkHec: { ack: { extension: { max_number_of_pending_acks_per_partition: 1 } } },
    });
    if (!collector) return;
    const events = execs(2);
    const sizes = events.map((e) =>
      Buffer.byteLength(
        new HecEventEncoder(resource, { source: '', sourcetype: 'ebpipe:event', index: '' }).encode(
          new EventRecordMapper(resource).toRecord(e),
        ),
      ),
    );
    const h = exporterFor(collector, {
      max_content_length_logs: Math.max(...sizes) + 1, // one event a request
      acknowledgements: { enabled: true, query_interval: '200ms', timeout: '1s' },
    });
    t.after(() => h.exporter.shutdown());

    const first = await h.exporter.export(events).then(
      () => assert.fail('delivered without every ack'),
      (err: unknown) => err,
    );
    assert.ok(first instanceof ExportError && !first.permanent, String(first));
    assert.equal(first.code, 'HEC_ACK_TIMEOUT');
    assert.match(first.message, /unacknowledged: HEC did not acknowledge it within 1000 ms; sending it again/);
    assert.equal((await collector.logRecords()).length, 2, 'both requests were taken (200) all the same');

    // The queue's retry: only the unacknowledged request goes again, and its new ack comes.
    assert.equal(await h.exporter.export(events), undefined);
    const received = await collector.waitForLogRecords(3);
    assert.deepEqual(received.map(pidOf).sort(), [100_000, 100_000, 100_001]);
    assert.equal(
      h.counters.total('exporter_resent_events_total', { exporter: 'splunk_hec', reason: 'unacknowledged' }),
      1,
    );
  });

  test('acknowledgements on, against a receiver that gives no ackId: one clear error, nothing counted delivered', async (t) => {
    const collector = await collectorFor(t, { splunkHec: {} });
    if (!collector) return;
    const h = exporterFor(collector, { acknowledgements: acked });
    const results = await throughQueue(h, [execs(3), execs(3, 3)]);
    assert.deepEqual(totals(results), { exported: 0, dropped: 6 });
    const errors = h.lines.filter((l) => l.includes('"level":50') && !l.includes('dropping batch'));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /HEC answered without an ackId: indexer acknowledgement is off for this token/);
  });

  test('a wrong token is refused for good: one error, every batch dropped and counted, the token in no line', async (t) => {
    const token = 'wrong-token-5f3a9c17';
    const collector = await collectorFor(t, { splunkHec: { ack: true, tokens: ['right-token'] } });
    if (!collector) return;
    const h = exporterFor(collector, { token, acknowledgements: acked });
    const results = await throughQueue(h, [execs(5), execs(5, 5), execs(5, 10)], { retry: true, maxEvents: 5 });

    assert.deepEqual(totals(results), { exported: 0, dropped: 15 });
    assert.equal(h.counters.total('exporter_dropped_events_total', { reason: 'permanent_error' }), 15);
    assert.equal(h.counters.total('exporter_send_failed_attempts_total'), 3, 'no retries');
    const stopped = h.lines.filter((l) => l.includes('"level":50') && !l.includes('dropping batch'));
    assert.equal(stopped.length, 1, stopped.join('\n'));
    assert.equal(h.lines.filter((l) => l.includes('dropping batch')).length, 3, 'the queue drops each batch once');
    // The receiver echoes the token it refused; the exporter masks it.
    assert.match(stopped[0]!, /HEC refused the request: HTTP 401: scheme or token does not match: \*\*\*/);
    assert.match(stopped[0]!, /check the token/);
    const error = await h.exporter.export(execs(1)).catch((err: unknown) => err as ExportError);
    assert.ok(error instanceof ExportError && error.permanent);
    for (const text of [...h.lines, error.message, JSON.stringify(h.counters.snapshot())]) {
      assert.ok(!text.includes(token), `the token leaked: ${text}`);
    }
    assert.equal((await collector.logRecords()).length, 0);
  });

  test('the right token never reaches a log line either, at debug level, nor a health check error', async (t) => {
    const token = 'right-token-0c9d2e11';
    const collector = await collectorFor(t, { splunkHec: { ack: true, tokens: [token] } });
    if (!collector) return;
    const h = exporterFor(collector, { token, health_check_enabled: true, acknowledgements: acked });
    await h.exporter.start();
    const results = await throughQueue(h, [execs(10)]);
    assert.deepEqual(totals(results), { exported: 10, dropped: 0 });

    await collector.stop();
    const down = await h.exporter.start().catch((err: unknown) => err as Error);
    assert.match(String(down), /HEC health check failed/);
    for (const text of [...h.lines, String(down)]) assert.ok(!text.includes(token), text);
  });

  test('a large batch is split into requests below max_content_length_logs, every event once', async (t) => {
    const collector = await collectorFor(t, { splunkHec: { ack: true } });
    if (!collector) return;
    const limit = 64 * 1024;
    const h = exporterFor(collector, { max_content_length_logs: '64KiB', acknowledgements: acked });
    t.after(() => h.exporter.shutdown());
    const events = execs(3000);
    const encoder = new HecEventEncoder(resource, { source: '', sourcetype: 'ebpipe:event', index: '' });
    const mapper = new EventRecordMapper(resource);
    const texts = events.map((e) => encoder.encode(mapper.toRecord(e)));
    const expected = splitIntoRequests(texts, limit).requests;
    const total = texts.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
    assert.ok(expected.length >= Math.ceil(total / limit), `${expected.length} requests for ${total} bytes`);

    assert.equal(await h.exporter.export(events), undefined);
    const received = await collector.waitForLogRecords(events.length);
    const requests = (await collector.readLogs()).requests;
    assert.equal(requests.length, expected.length, 'one receiver export per HEC request');
    assert.deepEqual(
      received.map(pidOf),
      events.map((_, i) => 100_000 + i),
    );
  });

  test('the receiver killed and restarted 5 times under load: every event delivered, none acknowledged lost', async (t) => {
    const collector = await collectorFor(t, { splunkHec: { ack: true } });
    if (!collector) return;
    const h = exporterFor(collector, {
      timeout: '2s',
      acknowledgements: { enabled: true, query_interval: '50ms', timeout: '2s' },
    });
    const batches = Array.from({ length: 200 }, (_, b) => execs(50, b * 50));
    let restarts = 0;
    const results = await throughQueue(h, batches, {
      numConsumers: 4,
      retry: true,
      during: async () => {
        for (; restarts < 5; restarts++) {
          await delay(700);
          await collector.restart('kill');
        }
      },
    });
    assert.equal(restarts, 5);
    assert.equal(results.length, batches.length, 'every delivery settled');
    assert.deepEqual(totals(results), { exported: 10_000, dropped: 0 });
    const received = await collector.logRecords();
    const pids = new Set(received.map(pidOf));
    const missing = Array.from({ length: 10_000 }, (_, i) => 100_000 + i).filter((pid) => !pids.has(pid));
    assert.equal(missing.length, 0, `${missing.length} acknowledged events are not in the receiver's file`);
    // A copy in the file beyond the first comes from a resend of a request HEC may have taken.
    const duplicates = received.length - pids.size;
    const resent = h.counters.total('exporter_resent_events_total');
    assert.ok(duplicates <= resent, `${duplicates} duplicates, ${resent} counted as resent`);
    t.diagnostic(
      `received ${received.length} records for 10000 events (${duplicates} duplicates; ` +
        `${h.counters.total('exporter_resent_events_total', { reason: 'unacknowledged' })} resent after a lost ack, ` +
        `${h.counters.total('exporter_resent_events_total', { reason: 'unanswered' })} after no answer, ` +
        `${h.counters.total('exporter_send_failed_attempts_total')} failed attempts)`,
    );
  });
});
