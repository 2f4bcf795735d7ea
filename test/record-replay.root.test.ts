// `record` against the real kernel (root): processes spawned while recording come back
// from the capture file as exec and exit events, through the reader and through the
// replay receiver feeding the decode processor.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { hostname, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { hostBootId } from '../src/events/clock.js';
import { CaptureReader } from '../src/capture/capture-reader.js';
import { record, type RecordOptions } from '../src/cli/record.js';
import { RecordDecoder } from '../src/events/decode.js';
import { AbiVersion } from '../src/events/generated/abi.js';
import type { Event } from '../src/events/model.js';
import type { ExecEvent } from '../src/events/process-events.js';
import { loadNativeAddon } from '../src/kernel/native.js';
import type { EventBatch } from '../src/pipeline/batch.js';
import { decodeProcessor } from '../src/processors/decode/decode-processor.js';
import { replayReceiver, type ReplayReceiver } from '../src/receivers/replay/replay-receiver.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { requirement, rootMissing } from './helpers/environment.js';

const dir = mkdtempSync(join(tmpdir(), 'ebpipe-record-'));

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid ?? -1));
  });
}

/** Starts a recording; `started` resolves once the sensors are attached. */
function startRecording(
  file: string,
  options: Omit<RecordOptions, 'logger' | 'out'>,
): { started: Promise<void>; done: ReturnType<typeof record>; output: () => string } {
  let attached: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (attached = resolve));
  const log = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (chunk.toString().includes('"msg":"recording"')) attached();
      cb();
    },
  });
  let output = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      output += chunk.toString();
      cb();
    },
  });
  const done = record(file, { ...options, logger: pino({ level: 'info' }, log), out });
  return { started, done, output: () => output };
}

async function decodeCapture(file: string): Promise<{ reader: CaptureReader; events: Event[]; records: number }> {
  const reader = await CaptureReader.open(file);
  const decoder = new RecordDecoder(reader.header.clockOffsetNs);
  const events: Event[] = [];
  let records = 0;
  for await (const batch of reader.batches()) {
    records += batch.records;
    decoder.decodeBatch(batch.raw, events);
  }
  await reader.close();
  assert.equal(decoder.stats.decoded, records, 'every recorded record decodes');
  return { reader, events, records };
}

describe('record and replay against the kernel', { concurrency: false }, () => {
  const file = join(dir, 'spawned.ebcap');
  const markers = [1, 2, 3].map((i) => `ebpipe-record-${process.pid}-${i}`);
  const pids: number[] = [];

  test('record writes the exec and exit records of processes spawned while it runs', async (t) => {
    if (!requirement(t, rootMissing())) return;
    let stop: () => void = () => undefined;
    const recording = startRecording(file, { stop: new Promise((resolve) => (stop = resolve)) });
    await recording.started;
    for (const marker of markers) pids.push(await run('/bin/echo', [marker, 'second arg']));
    await delay(100); // the reader closes a batch within 5 ms
    stop();
    const summary = await recording.done;
    assert.equal(summary.stoppedBy, 'signal');
    assert.ok(summary.records >= 6, `${summary.records} records`);
    assert.match(
      recording.output(),
      new RegExp(
        `^recorded ${summary.records} records in ${summary.batches} batch(es)? to ${file} \\(.+\\), stopped by signal; kernel drops: none\\n$`,
      ),
    );

    const { reader, events, records } = await decodeCapture(file);
    assert.equal(records, summary.records);
    assert.equal(reader.tornTail, undefined);
    assert.equal(reader.header.abiVersion, AbiVersion.ABI_VERSION);
    assert.equal(reader.header.hostname, hostname());
    assert.equal(reader.header.kernelRelease, release());
    const offsetNow = loadNativeAddon().bootToRealtimeOffsetNs();
    assert.ok(
      BigInt(Math.abs(Number(reader.header.clockOffsetNs - offsetNow))) < 5_000_000n,
      'the recording host clock offset',
    );

    markers.forEach((marker, i) => {
      const exec = events.find((e): e is ExecEvent => e.kind === 'process.exec' && e.process.pid === pids[i]);
      assert.ok(exec, `exec of ${marker}`);
      assert.equal(exec.binary, realpathSync('/bin/echo'));
      assert.deepEqual(exec.argv, ['/bin/echo', marker, 'second arg']);
      assert.equal(exec.parent.pid, process.pid);
      const wallMs = Number((exec.origin.clockOffsetNs + BigInt(exec.origin.ktime)) / 1_000_000n);
      assert.ok(Math.abs(Date.now() - wallMs) < 10_000, 'wall-clock time of the exec is now');
      assert.ok(
        events.some((e) => e.kind === 'process.exit' && e.process.pid === pids[i]),
        `exit of ${marker}`,
      );
    });
  });

  test('the replay receiver hands the capture to the decode processor with the recording clock', async (t) => {
    if (!requirement(t, rootMissing()) || pids.length === 0) return;
    const ctx = {
      id: 'replay',
      logger: pino({ level: 'silent' }),
      counters: new CounterRegistry(),
      origin: () => ({ file: 'x', line: 1, column: 1 }),
      baseDir: dir,
    };
    const receiver = replayReceiver.create(
      replayReceiver.settings.parse({ path: 'spawned.ebcap' }),
      ctx,
    ) as ReplayReceiver;
    const decode = decodeProcessor.create({}, { ...ctx, id: 'decode' });
    const events: Event[] = [];
    const startedNs = BigInt(Date.now()) * 1_000_000n;
    await receiver.start(async (batch: EventBatch) => {
      const out = decode.process(batch);
      events.push(...(out?.events ?? []));
      batch.delivery.seal();
    });
    const stats = await receiver.finished;
    assert.equal(stats.settledRecords, stats.records);
    const { events: direct } = await decodeCapture(file);
    // The replay adds where and when the records were read: the recording boot, the replay's time.
    for (const e of events) {
      assert.equal(e.origin.bootId, hostBootId(), 'the boot id written into the capture');
      assert.ok(e.origin.observedNs !== undefined && e.origin.observedNs >= startedNs);
      delete e.origin.bootId;
      delete e.origin.observedNs;
    }
    assert.deepEqual(events, direct, 'the same events, wall-clock offsets included');
    for (const pid of pids) assert.ok(events.some((e) => e.kind === 'process.exec' && e.process.pid === pid));
  });

  test('max records: the recording stops at exactly that many records', async (t) => {
    if (!requirement(t, rootMissing())) return;
    const limited = join(dir, 'limited.ebcap');
    const recording = startRecording(limited, { maxRecords: 2, durationMs: 10_000 });
    await recording.started;
    for (let i = 0; i < 3; i++) await run('/bin/true', []);
    const summary = await recording.done;
    assert.equal(summary.stoppedBy, 'max_records');
    assert.equal(summary.records, 2);
    const { records, events } = await decodeCapture(limited);
    assert.equal(records, 2);
    assert.equal(events.length, 2);
  });
});
