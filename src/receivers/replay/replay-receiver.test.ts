import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { CaptureError } from '../../capture/capture-format.js';
import { syntheticBatch, writeSyntheticCapture } from '../../testing/synthetic-capture.js';
import { RecordDecoder } from '../../events/decode.js';
import type { Event } from '../../events/model.js';
import type { EventBatch } from '../../pipeline/batch.js';
import type { ComponentContext } from '../../pipeline/component.js';
import { CounterRegistry } from '../../telemetry/counters.js';
import { replayReceiver, type ReplayReceiver } from './replay-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'ebpipe-replay-'));
const CLOCK = 1_690_000_000_000_000_000n;

function context(): ComponentContext & { counters: CounterRegistry } {
  return {
    id: 'replay/test',
    logger: pino({ level: 'silent' }),
    counters: new CounterRegistry(),
    origin: () => ({ file: 'pipeline.yaml', line: 1, column: 1 }),
    baseDir: dir,
  };
}

function receiver(
  settings: Record<string, unknown>,
  ctx = context(),
): { r: ReplayReceiver; ctx: ReturnType<typeof context> } {
  return { r: replayReceiver.create(replayReceiver.settings.parse(settings), ctx) as ReplayReceiver, ctx };
}

async function capture(name: string, batches: number, recordsPerBatch: number): Promise<string> {
  await writeSyntheticCapture(join(dir, name), { batches, recordsPerBatch, clockOffsetNs: CLOCK });
  return name; // relative: resolved against the context's baseDir
}

/** A pipeline stand-in: takes each batch, seals it as the runtime does, and lets the test settle it. */
class FakePipeline {
  readonly batches: EventBatch[] = [];
  /** Deliveries held as an exporter queue would hold them, in arrival order. */
  readonly held: EventBatch[] = [];
  concurrent = 0;
  maxConcurrent = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(private readonly mode: 'export' | 'hold') {}

  /** Makes consume() wait until release(). */
  block(): void {
    this.gate = new Promise((open) => (this.openGate = open));
  }
  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  readonly consume = async (batch: EventBatch): Promise<void> => {
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    this.batches.push(batch);
    batch.delivery.hold();
    try {
      if (this.gate) await this.gate;
    } finally {
      this.concurrent--;
      batch.delivery.seal();
    }
    if (this.mode === 'export') batch.delivery.settle(batch.events.length + 1, 0);
    else this.held.push(batch);
  };
}

describe('replay receiver', () => {
  test('hands on every recorded batch raw, with the capture clock, and counts what was sent and acknowledged', async () => {
    const { r, ctx } = receiver({ path: await capture('basic.ebcap', 5, 7) });
    const pipeline = new FakePipeline('export');
    await r.start(pipeline.consume);
    const stats = await r.finished;
    assert.equal(pipeline.batches.length, 5);
    const decoder = new RecordDecoder();
    const events: Event[] = [];
    for (const [i, b] of pipeline.batches.entries()) {
      assert.equal(b.clockOffsetNs, CLOCK);
      assert.deepEqual(b.events, []);
      assert.ok(b.raw, `batch ${i} is raw`);
      assert.ok(b.raw.equals(syntheticBatch(i * 7, 7)), `batch ${i} is the recorded bytes`);
      decoder.decodeBatch(b.raw, events);
    }
    assert.deepEqual(
      events.map((e) => e.origin.seq),
      Array.from({ length: 35 }, (_, i) => i),
    );
    assert.deepEqual(stats, {
      batches: 5,
      records: 35,
      settledBatches: 5,
      settledRecords: 35,
      exportedEvents: 5,
      droppedEvents: 0,
    });
    assert.equal(ctx.counters.total('replay_sent_records_total', { receiver: 'replay/test' }), 35);
    assert.equal(ctx.counters.total('replay_sent_batches_total'), 5);
    assert.equal(ctx.counters.total('replay_acknowledged_records_total'), 35);
    await r.shutdown();
  });

  test('reads ahead no further than max_in_flight batches while the pipelines are blocked', async () => {
    const { r } = receiver({ path: await capture('window.ebcap', 20, 2), max_in_flight: 3 });
    const pipeline = new FakePipeline('export');
    pipeline.block();
    await r.start(pipeline.consume);
    await delay(50);
    assert.equal(pipeline.batches.length, 3, 'only the window was handed on');
    pipeline.release();
    const stats = await r.finished;
    assert.equal(stats.records, 40);
    assert.ok(pipeline.maxConcurrent <= 3);
  });

  test('shutdown stops reading and resolves only once every batch handed on is settled', async () => {
    const { r, ctx } = receiver({ path: await capture('settle.ebcap', 50, 1), max_in_flight: 2 });
    const pipeline = new FakePipeline('hold');
    pipeline.block();
    await r.start(pipeline.consume);
    await delay(20);
    let shutDown = false;
    const stopping = r.shutdown().then(() => (shutDown = true));
    pipeline.release();
    await delay(20);
    assert.equal(pipeline.batches.length, 2, 'nothing is read after shutdown');
    assert.equal(pipeline.held.length, 2);
    assert.equal(shutDown, false, 'waits for the exporters');
    assert.equal(ctx.counters.total('replay_acknowledged_records_total'), 0);
    pipeline.held[0]?.delivery.settle(1, 0);
    await delay(10);
    assert.equal(shutDown, false, 'one batch is still unsettled');
    pipeline.held[1]?.delivery.settle(0, 1);
    await stopping;
    const stats = await r.finished;
    assert.deepEqual(stats, {
      batches: 2,
      records: 2,
      settledBatches: 2,
      settledRecords: 2,
      exportedEvents: 1,
      droppedEvents: 1,
    });
    assert.equal(ctx.counters.total('replay_acknowledged_records_total'), 2);
  });

  test('loop plays the file that many times', async () => {
    const { r } = receiver({ path: await capture('loop.ebcap', 2, 3), loop: 3 });
    const pipeline = new FakePipeline('export');
    await r.start(pipeline.consume);
    assert.equal((await r.finished).records, 18);
    assert.equal(pipeline.batches.length, 6);
  });

  test('loop 0 repeats until shutdown', async () => {
    const { r } = receiver({ path: await capture('forever.ebcap', 2, 3), loop: 0 });
    const pipeline = new FakePipeline('export');
    await r.start(pipeline.consume);
    await delay(30);
    await r.shutdown();
    const stats = await r.finished;
    assert.ok(stats.batches > 2, `more than one pass (${stats.batches} batches)`);
    assert.equal(stats.settledBatches, stats.batches);
  });

  test('rate paces the batches: 4 batches of 10 records at 200 records/s take about 150 ms', async () => {
    const { r } = receiver({ path: await capture('rate.ebcap', 4, 10), rate: 200 });
    const pipeline = new FakePipeline('export');
    const t0 = performance.now();
    await r.start(pipeline.consume);
    await r.finished;
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 145 && elapsed < 1000, `${elapsed.toFixed(0)} ms`);
  });

  test('a torn tail is skipped, counted and reported; the complete batches are replayed', async () => {
    const path = await capture('torn.ebcap', 3, 4);
    appendFileSync(join(dir, path), Buffer.alloc(10, 1));
    const { r, ctx } = receiver({ path, loop: 2 });
    await r.start(new FakePipeline('export').consume);
    const stats = await r.finished;
    assert.equal(stats.records, 24);
    assert.equal(stats.tornTail?.bytes, 10);
    assert.equal(stats.tornTail?.reason, 'truncated');
    assert.equal(ctx.counters.total('replay_torn_tail_bytes_total'), 20, 'skipped on both passes');
  });

  test('a missing capture fails start-up with the resolved path', async () => {
    const { r } = receiver({ path: 'nope.ebcap' });
    await assert.rejects(r.start(new FakePipeline('export').consume), (err: unknown) => {
      assert.ok(err instanceof CaptureError);
      assert.equal(err.code, 'ENOENT');
      assert.equal(err.message, `opening capture ${join(dir, 'nope.ebcap')}: no such file or directory`);
      return true;
    });
    await r.shutdown(); // never started: resolves at once
  });

  test('settings: unknown keys and negative rates are rejected', () => {
    assert.equal(replayReceiver.settings.safeParse({ path: 'x', speed: 2 }).success, false);
    assert.equal(replayReceiver.settings.safeParse({ path: 'x', rate: -1 }).success, false);
    assert.deepEqual(replayReceiver.settings.parse({ path: 'x' }), { path: 'x', rate: 0, loop: 1, max_in_flight: 4 });
  });
});
