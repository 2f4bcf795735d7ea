// The pipeline runtime with its real stages (decode, filter, the routing connector) between
// scripted receivers and recording exporters: delivery, backpressure, retries, drops. Needs no root.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { RoutingConnector } from '../src/connectors/routing/routing-connector.js';
import { DecodeProcessor } from '../src/processors/decode/decode-processor.js';
import { FilterProcessor } from '../src/processors/filter/filter-processor.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { createLogger } from '../src/telemetry/logger.js';
import { syntheticBatch } from '../src/testing/synthetic-capture.js';
import { noRetry, RecordingExporter, ScriptedReceiver, testContext } from '../src/testing/pipeline.js';
import type { Connector, Processor, Receiver } from '../src/pipeline/component.js';
import { ExportError } from '../src/pipeline/component.js';
import {
  QueuedExporter,
  type BatchSettings,
  type QueueSettings,
  type RetrySettings,
} from '../src/pipeline/queued-exporter.js';
import { PipelineRuntime, type PipelineSpec } from '../src/pipeline/runtime.js';

const fastRetry = { ...noRetry, enabled: true, maxElapsedMs: 5000 };

interface Graph {
  receivers?: Record<string, Receiver>;
  processors?: Record<string, Processor>;
  exporters?: Record<
    string,
    {
      exporter: RecordingExporter;
      queue?: Partial<QueueSettings>;
      retry?: RetrySettings;
      batch?: Partial<BatchSettings>;
    }
  >;
  connectors?: Record<string, Connector>;
  pipelines: Record<string, PipelineSpec>;
}

function build(g: Graph, counters = new CounterRegistry()) {
  const logger = createLogger('test');
  const exporters = new Map(
    Object.entries(g.exporters ?? {}).map(([id, e]) => [
      id,
      new QueuedExporter(
        id,
        e.exporter,
        {
          queue: { queueSize: 4, numConsumers: 1, blockOnOverflow: true, ...e.queue },
          retry: e.retry ?? noRetry,
          batch: { minEvents: 0, maxEvents: 1, flushTimeoutMs: 1, ...e.batch },
        },
        counters,
        logger,
      ),
    ]),
  );
  const runtime = new PipelineRuntime(
    {
      receivers: new Map(Object.entries(g.receivers ?? {})),
      processors: new Map(Object.entries(g.processors ?? {})),
      exporters,
      connectors: new Map(Object.entries(g.connectors ?? {})),
      pipelines: new Map(Object.entries(g.pipelines)),
    },
    counters,
    logger,
  );
  return { runtime, counters, exporters };
}

const batches = (count: number, size: number) =>
  Array.from({ length: count }, (_, i) => syntheticBatch(i * size, size)); // pids 1000 + record number

describe('PipelineRuntime', () => {
  test('decodes, filters and exports every batch to every exporter, settling each delivery once', async () => {
    const counters = new CounterRegistry();
    const receiver = new ScriptedReceiver(batches(10, 20));
    const a = new RecordingExporter();
    const b = new RecordingExporter();
    const { runtime } = build(
      {
        receivers: { replay: receiver },
        processors: {
          decode: new DecodeProcessor(testContext('decode', counters)),
          'filter/odd': new FilterProcessor(
            { drop: ['process.pid > 1099 and process.pid < 1110'] },
            testContext('filter/odd', counters),
          ),
        },
        exporters: { a: { exporter: a }, b: { exporter: b } },
        pipelines: { logs: { receivers: ['replay'], processors: ['decode', 'filter/odd'], exporters: ['a', 'b'] } },
      },
      counters,
    );
    await runtime.start();
    await runtime.shutdown();
    assert.equal(a.received.length, 190);
    assert.deepEqual(
      a.received.map((e) => e.process.pid),
      b.received.map((e) => e.process.pid),
    );
    assert.equal(receiver.results.length, 10, 'one settlement per batch');
    assert.equal(
      receiver.results.reduce((n, r) => n + r.exported, 0),
      380,
      'two exporters x 190 events',
    );
    assert.equal(counters.total('processor_filtered_events_total'), 10);
  });

  test('a slow exporter with a blocking queue holds the receiver back (bounded, nothing dropped)', async () => {
    const receiver = new ScriptedReceiver(batches(12, 5));
    const slow = new RecordingExporter(() => delay(10));
    const { runtime, counters, exporters } = build({
      receivers: { r: receiver },
      processors: { decode: new DecodeProcessor(testContext('decode')) },
      exporters: { slow: { exporter: slow, queue: { queueSize: 2 } } },
      pipelines: { logs: { receivers: ['r'], processors: ['decode'], exporters: ['slow'] } },
    });
    let maxQueued = 0;
    const watch = setInterval(() => (maxQueued = Math.max(maxQueued, exporters.get('slow')!.queued)), 1);
    const start = performance.now();
    await runtime.start();
    await runtime.shutdown();
    clearInterval(watch);
    assert.ok(performance.now() - start >= 12 * 10 * 0.8, 'the receiver waited for the exporter');
    assert.ok(maxQueued <= 2, `queue stayed bounded (max ${maxQueued})`);
    assert.equal(slow.received.length, 60);
    assert.equal(counters.total('exporter_dropped_events_total'), 0);
  });

  test('a full drop_newest queue drops and counts whole batches, and still settles them', async () => {
    const receiver = new ScriptedReceiver(batches(10, 3));
    const slow = new RecordingExporter(() => delay(20));
    const { runtime, counters } = build({
      receivers: { r: receiver },
      processors: { decode: new DecodeProcessor(testContext('decode')) },
      exporters: { slow: { exporter: slow, queue: { queueSize: 1, blockOnOverflow: false } } },
      pipelines: { logs: { receivers: ['r'], processors: ['decode'], exporters: ['slow'] } },
    });
    await runtime.start();
    await runtime.shutdown();
    const dropped = counters.total('exporter_dropped_events_total', { reason: 'queue_full' });
    assert.ok(dropped > 0);
    assert.equal(slow.received.length + dropped, 30, 'every event exported or counted');
    assert.equal(
      counters.total('exporter_received_events_total', { exporter: 'slow' }),
      30,
      'received = sent + dropped',
    );
    assert.equal(counters.total('exporter_sent_events_total', { exporter: 'slow' }), slow.received.length);
    assert.equal(
      receiver.results.reduce((n, r) => n + r.exported + r.dropped, 0),
      30,
    );
  });

  test('transient failures are retried; permanent ones drop the batch with a reason', async () => {
    const flaky = new RecordingExporter(async (call) => {
      if (call <= 2) throw new ExportError('ECONNREFUSED', 'connection refused', { permanent: false });
    });
    const broken = new RecordingExporter(async () => {
      throw new ExportError('BAD_SCHEMA', 'schema mismatch', { permanent: true });
    });
    const { runtime, counters } = build({
      receivers: { r: new ScriptedReceiver(batches(1, 4)) },
      processors: { decode: new DecodeProcessor(testContext('decode')) },
      exporters: { flaky: { exporter: flaky, retry: fastRetry }, broken: { exporter: broken, retry: fastRetry } },
      pipelines: { logs: { receivers: ['r'], processors: ['decode'], exporters: ['flaky', 'broken'] } },
    });
    await runtime.start();
    await runtime.shutdown();
    assert.equal(flaky.received.length, 4);
    assert.equal(flaky.calls, 3);
    assert.equal(counters.total('exporter_send_failed_attempts_total', { exporter: 'flaky' }), 2);
    assert.equal(broken.calls, 1, 'a permanent error is not retried');
    assert.equal(counters.total('exporter_dropped_events_total', { exporter: 'broken', reason: 'permanent_error' }), 4);
  });

  test('a throwing processor drops its batch, counts it, and the pipeline goes on', async () => {
    let calls = 0;
    const exploding: Processor = {
      process(batch) {
        if (++calls === 2) throw new Error('boom');
        return batch;
      },
    };
    const out = new RecordingExporter();
    const { runtime, counters } = build({
      receivers: { r: new ScriptedReceiver(batches(3, 2)) },
      processors: { decode: new DecodeProcessor(testContext('decode')), exploding },
      exporters: { out: { exporter: out } },
      pipelines: { logs: { receivers: ['r'], processors: ['decode', 'exploding'], exporters: ['out'] } },
    });
    await runtime.start();
    await runtime.shutdown();
    assert.equal(out.received.length, 4);
    assert.equal(counters.total('processor_errors_total', { processor: 'exploding' }), 1);
    assert.equal(counters.total('pipeline_dropped_events_total'), 2);
  });

  test('the routing connector sends events to the pipelines of the first matching route, else the default', async () => {
    const high = new RecordingExporter();
    const rest = new RecordingExporter();
    const routing = new RoutingConnector(
      {
        table: [{ condition: 'process.pid < 1003', pipelines: ['logs/high'] }],
        default_pipelines: ['logs/rest'],
        match_once: true,
      },
      testContext('routing'),
    );
    const { runtime } = build({
      receivers: { r: new ScriptedReceiver(batches(1, 6)) },
      processors: { decode: new DecodeProcessor(testContext('decode')) },
      exporters: { high: { exporter: high }, rest: { exporter: rest } },
      connectors: { routing },
      pipelines: {
        logs: { receivers: ['r'], processors: ['decode'], exporters: ['routing'] },
        'logs/high': { receivers: ['routing'], processors: [], exporters: ['high'] },
        'logs/rest': { receivers: ['routing'], processors: [], exporters: ['rest'] },
      },
    });
    await runtime.start();
    await runtime.shutdown();
    assert.deepEqual(
      high.received.map((e) => e.process.pid),
      [1000, 1001, 1002],
    );
    assert.deepEqual(
      rest.received.map((e) => e.process.pid),
      [1003, 1004, 1005],
    );
  });

  test('queued batches merge into one export up to max_size, each delivery settled on its own', async () => {
    const receiver = new ScriptedReceiver(batches(10, 10));
    const out = new RecordingExporter(() => delay(20));
    const sizes: number[] = [];
    const recordSizes = new RecordingExporter(async () => undefined);
    recordSizes.export = async (events) => {
      sizes.push(events.length);
      await out.export(events);
    };
    const { runtime } = build({
      receivers: { r: receiver },
      processors: { decode: new DecodeProcessor(testContext('decode')) },
      exporters: {
        out: {
          exporter: recordSizes,
          queue: { queueSize: 16 },
          batch: { minEvents: 30, maxEvents: 40, flushTimeoutMs: 50 },
        },
      },
      pipelines: { logs: { receivers: ['r'], processors: ['decode'], exporters: ['out'] } },
    });
    await runtime.start();
    await runtime.shutdown();
    assert.equal(out.received.length, 100);
    assert.ok(
      sizes.every((n) => n <= 40),
      `exports of ${sizes.join(', ')} events`,
    );
    assert.ok(sizes.length <= 5, `merged into few exports (${sizes.length})`);
    assert.equal(receiver.results.length, 10);
    assert.deepEqual(
      receiver.results.map((r) => r.exported),
      Array(10).fill(10),
    );
  });
});
