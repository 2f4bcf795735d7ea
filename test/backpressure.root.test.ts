// A slow exporter behind the real kernel receiver (root): the receiver slows down, memory
// stays bounded, and what cannot wait is a counted kernel drop, never an unbounded queue.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { QueuedExporter } from '../src/pipeline/queued-exporter.js';
import { PipelineRuntime } from '../src/pipeline/runtime.js';
import { DecodeProcessor } from '../src/processors/decode/decode-processor.js';
import { ebpfReceiver } from '../src/receivers/ebpf/ebpf-receiver.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { createLogger } from '../src/telemetry/logger.js';
import { noRetry, RecordingExporter, testContext } from '../src/testing/pipeline.js';
import { requirement, rootMissing } from './helpers/environment.js';

test('a slow exporter slows the kernel receiver; memory stays bounded; losses are counted kernel drops', async (t) => {
  if (!requirement(t, rootMissing())) return;
  const counters = new CounterRegistry();
  const logger = createLogger('test');
  const slow = new RecordingExporter(() => delay(50));
  const exporter = new QueuedExporter(
    'slow',
    slow,
    {
      queue: { queueSize: 2, numConsumers: 1, blockOnOverflow: true },
      retry: noRetry,
      batch: { minEvents: 0, maxEvents: 1, flushTimeoutMs: 1 },
    },
    counters,
    logger,
  );
  const receiver = ebpfReceiver.create(
    ebpfReceiver.settings.parse({
      sensors: ['process'],
      ring_buffer: { size: '16KiB', batch_size: '4KiB', batch_timeout: '2ms', max_in_flight: 1 },
    }),
    testContext('ebpf', counters),
  );
  const runtime = new PipelineRuntime(
    {
      receivers: new Map([['ebpf', receiver]]),
      processors: new Map([['decode', new DecodeProcessor(testContext('decode', counters))]]),
      exporters: new Map([['slow', exporter]]),
      connectors: new Map(),
      pipelines: new Map([['logs', { receivers: ['ebpf'], processors: ['decode'], exporters: ['slow'] }]]),
    },
    counters,
    logger,
  );
  await runtime.start();
  let maxQueued = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const watch = setInterval(() => {
    maxQueued = Math.max(maxQueued, exporter.queued);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 2);
  // ~1500 exec/fork/exit records in a few hundred ms, far more than 16 KiB of ring and a 50 ms exporter take.
  spawnSync('/bin/sh', ['-c', 'i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done']);
  await runtime.shutdown();
  clearInterval(watch);

  const delivered = slow.received.length;
  const kernelDrops = counters.total('kernel_dropped_records_total', { reason: 'ring_full' });
  assert.ok(kernelDrops > 0, 'the ring overflowed and the kernel counted it');
  assert.ok(delivered > 0, 'the exporter still got events');
  assert.ok(maxQueued <= 2, `the exporter queue stayed within its 2 batches (max ${maxQueued})`);
  assert.ok(counters.total('ring_reader_waits_total') > 0, 'the reader waited for the pipeline (backpressure)');
  assert.equal(counters.total('exporter_dropped_events_total'), 0, 'nothing accepted was dropped');
  assert.equal(counters.total('receiver_accepted_events_total'), delivered, 'every accepted record was exported');
  assert.ok(heapPeak - heapBefore < 64 * 2 ** 20, `heap grew ${((heapPeak - heapBefore) / 2 ** 20).toFixed(1)} MiB`);
});
