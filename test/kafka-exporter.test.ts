// The kafka exporter against a real Kafka broker (scripts/services/kafka.sh), read back with
// Kafka's own console consumer and with the OpenTelemetry Collector's kafka receiver: every
// encoding and codec, keys and partitions, max_message_bytes, SASL PLAIN and SCRAM, a topic that
// does not exist, brokers down at start, the broker killed and restarted mid-stream; and the
// SASL password never in a log line or an error.
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Event } from '../src/events/model.js';
import { kafkaSettings } from '../src/exporters/kafka/config.js';
import { kafkaExporter } from '../src/exporters/kafka/kafka-exporter.js';
import { ocsfEventOf } from '../src/exporters/ocsf/ocsf-mapper.js';
import { EventRecordMapper } from '../src/exporters/otel/event-record.js';
import { agentResource } from '../src/exporters/otel/resource.js';
import { Delivery } from '../src/pipeline/batch.js';
import { ExportError, type Exporter, type ExporterContext } from '../src/pipeline/component.js';
import { exporterQueueSettings } from '../src/pipeline/exporter-settings.js';
import { QueuedExporter } from '../src/pipeline/queued-exporter.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { testContext } from '../src/testing/pipeline.js';
import { numberedEvents, sampleEvents } from '../src/testing/sample-events.js';
import {
  attributeMap,
  freePorts,
  serviceMissing,
  startCollector,
  startKafka,
  type KafkaBroker,
  type KafkaMessage,
} from '../src/testing/services.js';
import { requirement } from './helpers/environment.js';

const resource = agentResource({ 'host.name': 'kafka-test-host' });

/** A context whose log lines (debug and up, kafkajs's included) are kept for the test to read. */
function context(id = 'kafka'): { ctx: ExporterContext; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { ctx: { ...testContext(id), logger, resource }, lines };
}

function exporterFor(settings: Record<string, unknown>, ctx = context().ctx): Exporter {
  return kafkaExporter.create(kafkaSettings.parse(settings), ctx);
}

async function exportOnce(settings: Record<string, unknown>, events: Event[]): Promise<void> {
  const exporter = exporterFor(settings);
  try {
    assert.equal(await exporter.export(events), undefined);
  } finally {
    await exporter.shutdown();
  }
}

interface OtlpJson {
  resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { intValue?: string } }[] }[] }[] }[];
}

function otlpJsonSeqs(value: Buffer): number[] {
  const request = JSON.parse(value.toString()) as OtlpJson;
  return request.resourceLogs.flatMap((r) =>
    r.scopeLogs.flatMap((s) =>
      s.logRecords.map((l) => Number(l.attributes.find((a) => a.key === 'ebpipe.seq')?.value.intValue)),
    ),
  );
}

function jsonSeq(m: KafkaMessage): number {
  const event = JSON.parse(m.value.toString()) as { attributes: Record<string, unknown> };
  return Number(event.attributes['ebpipe.seq']);
}

const range = (n: number): number[] => [...Array(n).keys()];

function rejection(err: unknown): ExportError {
  assert.ok(err instanceof ExportError, String(err));
  return err;
}

describe('kafka exporter, one broker', () => {
  let kafka: KafkaBroker;
  const settingsFor = (extra: Record<string, unknown>) => ({ brokers: [kafka.bootstrap], ...extra });

  // Each test says why it skips; the broker starts only where it can.
  before(async () => {
    if (serviceMissing('kafka') === null) kafka = await startKafka({ partitions: 3 });
  });
  after(() => kafka?.close());

  it('otlp_proto and otlp_json: the Collector kafka receiver reads the same records with typed attributes', async (t) => {
    if (!requirement(t, serviceMissing('kafka') ?? serviceMissing('otelcol'))) return;
    for (const encoding of ['otlp_proto', 'otlp_json'] as const) {
      const topic = `collector-${encoding}`;
      await exportOnce(settingsFor({ logs: { topic, encoding } }), numberedEvents(40, 4));
      const collector = await startCollector({ otlp: false, kafka: { brokers: [kafka.bootstrap], topic, encoding } });
      try {
        const records = await collector.waitForLogRecords(40, { timeoutMs: 60_000 });
        assert.equal(records.length, 40, encoding);
        const seqs = records.map((r) => Number(attributeMap(r.record.attributes).get('ebpipe.seq')?.intValue));
        assert.deepEqual(seqs, range(40), encoding);
        const first = attributeMap(records[3]?.record.attributes);
        assert.deepEqual(first.get('process.exit.code'), { intValue: '3' }, encoding);
        assert.deepEqual(first.get('ebpipe.exec_id'), { stringValue: 'proc-3' }, encoding);
        assert.equal(records[3]?.record.eventName, 'process.exit', encoding);
        assert.deepEqual(attributeMap(records[0]?.resource.attributes).get('host.name'), {
          stringValue: 'kafka-test-host',
        });
      } finally {
        await collector.close();
      }
    }
  });

  it('json keyed by exec id: every event once, each process on one partition and in order', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    const topic = 'json-by-exec-id';
    await kafka.createTopic(topic, 3);
    const exporter = exporterFor(settingsFor({ logs: { topic, encoding: 'json', message_key: 'ebpipe.exec_id' } }));
    for (let first = 0; first < 300; first += 100) await exporter.export(numberedEvents(100, 6, first));
    await exporter.shutdown();
    const read = await kafka.consume(topic, { count: 300 });
    assert.deepEqual(
      read.map(jsonSeq).sort((a, b) => a - b),
      range(300),
    );
    const byKey = new Map<string | undefined, KafkaMessage[]>();
    for (const m of read) byKey.set(m.key?.toString(), [...(byKey.get(m.key?.toString()) ?? []), m]);
    assert.deepEqual(
      [...byKey.keys()].sort(),
      range(6).map((n) => `proc-${n}`),
    );
    const partitions = new Set<number>();
    for (const [key, messages] of byKey) {
      assert.equal(new Set(messages.map((m) => m.partition)).size, 1, `${key} on one partition`);
      partitions.add(messages[0]!.partition);
      const seqs = messages.sort((a, b) => a.offset - b.offset).map(jsonSeq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        `${key} in order`,
      );
    }
    assert.ok(partitions.size > 1, 'keys spread over partitions');
  });

  it('ocsf: every kind as one OCSF event a message, read back from the broker', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    const topic = 'ocsf-events';
    const events = sampleEvents();
    await exportOnce(settingsFor({ logs: { topic, encoding: 'ocsf' } }), events);
    const read = await kafka.consume(topic, { count: events.length });
    const expected = new EventRecordMapper(resource).toRecords(events).map((r) => ocsfEventOf(r));
    // Messages spread over three partitions: compare them in one order.
    const sorted = (texts: string[]) => texts.sort().map((text) => JSON.parse(text) as unknown);
    assert.deepEqual(sorted(read.map((m) => m.value.toString())), sorted(expected.map((e) => JSON.stringify(e))));
  });

  it('keys by host.name and by the resource hash', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    await exportOnce(settingsFor({ logs: { topic: 'by-host', message_key: 'host.name' } }), numberedEvents(5));
    await exportOnce(
      settingsFor({ logs: { topic: 'by-resource', encoding: 'json' }, partition_logs_by_resource_attributes: true }),
      numberedEvents(5),
    );
    const [byHost] = await kafka.consume('by-host', { count: 1 });
    assert.equal(byHost?.key?.toString(), 'kafka-test-host');
    const byResource = await kafka.consume('by-resource', { count: 5 });
    assert.equal(new Set(byResource.map((m) => m.key?.toString())).size, 1);
    assert.match(byResource[0]?.key?.toString() ?? '', /^[0-9a-f]{32}$/);
    assert.equal(new Set(byResource.map((m) => m.partition)).size, 1);
  });

  it('every codec: none, gzip, snappy, lz4 and zstd, read back by the Java consumer', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const topic = `codec-${compression}`;
      await exportOnce(
        settingsFor({ logs: { topic, encoding: 'otlp_json' }, producer: { compression } }),
        numberedEvents(50),
      );
      const read = await kafka.consume(topic, { count: 1 });
      assert.deepEqual(
        read.flatMap((m) => otlpJsonSeqs(m.value)),
        range(50),
        compression,
      );
    }
  });

  it('max_message_bytes: requests split at record boundaries; a record too large alone is dropped and counted', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    const topic = 'small-messages';
    const events = numberedEvents(60);
    const big = events[30] as Event & { process: { argv: string[] } };
    big.process = { ...big.process, argv: ['sh', '-c', 'y'.repeat(10_000)] };
    const { ctx, lines } = context();
    const exporter = exporterFor(
      settingsFor({ logs: { topic, encoding: 'otlp_json' }, producer: { max_message_bytes: 4096 } }),
      ctx,
    );
    assert.deepEqual(await exporter.export(events), { rejected: 1, reason: 'message_too_large' });
    await exporter.shutdown();
    assert.equal(lines.filter((l) => l.includes('larger than producer.max_message_bytes')).length, 1);
    const read = await kafka.consume(topic, { count: 1000, idleTimeoutMs: 5000 });
    assert.ok(read.length > 5, `${read.length} messages`);
    for (const m of read) assert.ok(m.value.length <= 4096, String(m.value.length));
    assert.deepEqual(
      read.flatMap((m) => otlpJsonSeqs(m.value)).sort((a, b) => a - b),
      range(60).filter((n) => n !== 30),
    );
  });
});

describe('kafka exporter, failures', () => {
  it('brokers down at start: the exporter starts, says which brokers it cannot reach, and exports fail retryably', async () => {
    const [port] = await freePorts(1);
    const { ctx, lines } = context('kafka/down');
    const exporter = exporterFor({ brokers: [`127.0.0.1:${port}`], timeout: '1s' }, ctx);
    await exporter.start?.();
    const err = rejection(await exporter.export(numberedEvents(3)).catch((e: unknown) => e));
    assert.equal(err.code, 'KAFKA_UNREACHABLE');
    assert.equal(err.permanent, false);
    assert.match(err.message, new RegExp(`^exporters\\.kafka/down: cannot reach brokers 127\\.0\\.0\\.1:${port}`));
    await exporter.shutdown();
    const warned = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    assert.ok(
      warned.some((l) => l.msg.includes(`cannot reach brokers 127.0.0.1:${port}`)),
      lines.join('\n'),
    );
  });

  it('brokers down longer than the queue holds, drop_newest: every event is counted as dropped with its reason', async () => {
    const [port] = await freePorts(1);
    const settings = kafkaSettings.parse({
      brokers: [`127.0.0.1:${port}`],
      timeout: '500ms',
      sending_queue: { queue_size: 2, block_on_overflow: false },
      retry_on_failure: { initial_interval: '100ms', max_elapsed_time: '1s' },
    });
    const { ctx } = context();
    const counters = new CounterRegistry();
    const queued = new QueuedExporter(
      'kafka',
      kafkaExporter.create(settings, ctx),
      exporterQueueSettings(settings),
      counters,
      ctx.logger,
    );
    await queued.start();
    let exported = 0;
    let dropped = 0;
    for (let i = 0; i < 10; i++) {
      const delivery = new Delivery((r) => {
        exported += r.exported;
        dropped += r.dropped;
      });
      await queued.enqueue(numberedEvents(100, 1, i * 100), delivery);
      delivery.seal();
    }
    await queued.shutdown(30_000);
    assert.equal(exported, 0);
    assert.equal(dropped, 1000);
    const byReason = new Map(
      counters
        .snapshot()
        .filter((c) => c.name === 'exporter_dropped_events_total')
        .map((c) => [c.labels['reason'], c.value]),
    );
    assert.ok((byReason.get('queue_full') ?? 0) > 0, JSON.stringify([...byReason]));
    assert.equal(
      [...byReason.values()].reduce((a, b) => a + b, 0),
      1000,
    );
  });

  it('a topic that does not exist, auto-creation off: a retryable error naming it, delivered once it exists', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    const kafka = await startKafka({ autoCreateTopics: false });
    t.after(() => kafka.close());
    const exporter = exporterFor({ brokers: [kafka.bootstrap], logs: { topic: 'not-yet', encoding: 'json' } });
    const err = rejection(await exporter.export(numberedEvents(2)).catch((e: unknown) => e));
    assert.equal(err.code, 'KAFKA_UNKNOWN_TOPIC');
    assert.equal(err.permanent, false);
    assert.match(err.message, /topic "not-yet" does not exist/);
    await kafka.createTopic('not-yet');
    await exporter.export(numberedEvents(2));
    await exporter.shutdown();
    assert.deepEqual((await kafka.consume('not-yet', { count: 2 })).map(jsonSeq), [0, 1]);
  });
});

describe('kafka exporter, SASL', () => {
  const password = 'pw-4f7c1e9a-never-logged';
  const wrong = 'pw-0b3d5e8c-also-never-logged';
  let kafka: KafkaBroker;

  before(async () => {
    if (serviceMissing('kafka') === null) kafka = await startKafka({ saslUsers: { ebpipe: password } });
  });
  after(() => kafka?.close());

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism} with the right password delivers`, async (t) => {
      if (!requirement(t, serviceMissing('kafka'))) return;
      const topic = `sasl-${mechanism.toLowerCase()}`;
      await exportOnce(
        {
          brokers: [kafka.saslBootstrap],
          logs: { topic, encoding: 'json' },
          auth: { sasl: { mechanism, username: 'ebpipe', password } },
        },
        numberedEvents(3),
      );
      assert.deepEqual((await kafka.consume(topic, { count: 3 })).map(jsonSeq), [0, 1, 2]);
    });
  }

  it('a wrong password is a permanent error naming the exporter; no password reaches a log line or an error', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    const texts: string[] = [];
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256'] as const) {
      const { ctx, lines } = context('kafka/siem');
      const exporter = exporterFor(
        {
          brokers: [kafka.saslBootstrap],
          auth: { sasl: { mechanism, username: 'ebpipe', password: wrong } },
        },
        ctx,
      );
      await exporter.start?.();
      const err = rejection(await exporter.export(numberedEvents(2)).catch((e: unknown) => e));
      assert.equal(err.code, 'KAFKA_AUTH_FAILED', err.message);
      assert.equal(err.permanent, true);
      assert.match(err.message, new RegExp(`^exporters\\.kafka/siem: sasl ${mechanism} authentication as "ebpipe"`));
      await exporter.shutdown();
      texts.push(err.message, String(err.stack), ...lines);
    }
    // The right password, then the broker gone: every line kafkajs and the exporter write.
    const { ctx, lines } = context('kafka/siem');
    const exporter = exporterFor(
      {
        brokers: [kafka.saslBootstrap],
        timeout: '1s',
        auth: { sasl: { mechanism: 'PLAIN', username: 'ebpipe', password } },
      },
      ctx,
    );
    await exporter.export(numberedEvents(1));
    await kafka.kill();
    const down = rejection(await exporter.export(numberedEvents(1)).catch((e: unknown) => e));
    texts.push(down.message, String(down.stack), ...lines);
    await exporter.shutdown();
    await kafka.start();
    const all = texts.join('\n');
    assert.ok(all.includes('authentication'), 'the lines were captured');
    for (const secret of [password, wrong]) {
      assert.ok(!all.includes(secret), `a password was written: ${secret}`);
      assert.ok(!all.includes(Buffer.from(secret).toString('base64')), 'a password was written in base64');
    }
  });
});

describe('kafka exporter, broker killed and restarted mid-stream', () => {
  it('loses nothing acknowledged; duplicates are counted and bounded', async (t) => {
    if (!requirement(t, serviceMissing('kafka'))) return;
    const restarts = Number(process.env['EBPIPE_KAFKA_RESTARTS'] ?? 3);
    const kafka = await startKafka();
    t.after(() => kafka.close());
    const topic = 'restarts';
    await kafka.createTopic(topic);
    const settings = kafkaSettings.parse({
      brokers: [kafka.bootstrap],
      timeout: '2s',
      logs: { topic, encoding: 'otlp_json' },
      producer: { compression: 'lz4' },
      retry_on_failure: { initial_interval: '100ms', max_interval: '1s', max_elapsed_time: '0s' },
    });
    const { ctx } = context();
    const counters = new CounterRegistry();
    const queued = new QueuedExporter(
      'kafka',
      kafkaExporter.create(settings, ctx),
      exporterQueueSettings(settings),
      counters,
      ctx.logger,
    );
    await queued.start();

    // 10k events/s in batches of 500, until the broker has been killed and restarted `restarts` times.
    const batch = 500;
    let sent = 0;
    let exported = 0;
    let dropped = 0;
    let settled = 0;
    let stop = false;
    const feeding = (async () => {
      while (!stop) {
        const started = performance.now();
        const delivery = new Delivery((r) => {
          exported += r.exported;
          dropped += r.dropped;
          settled++;
        });
        await queued.enqueue(numberedEvents(batch, 50, sent), delivery);
        delivery.seal();
        sent += batch;
        await sleep(Math.max(0, 50 - (performance.now() - started)));
      }
    })();
    for (let i = 0; i < restarts; i++) {
      await sleep(2000);
      await kafka.restart('kill');
    }
    await sleep(3000);
    stop = true;
    await feeding;
    await queued.shutdown(120_000);

    const batches = sent / batch;
    assert.equal(settled, batches, 'every batch settled');
    assert.equal(dropped, 0, 'nothing dropped');
    assert.equal(exported, sent, 'every event acknowledged');
    const seqs = (await kafka.consume(topic, { count: 1_000_000, idleTimeoutMs: 10_000 })).flatMap((m) =>
      otlpJsonSeqs(m.value),
    );
    const distinct = new Set(seqs);
    assert.equal(distinct.size, sent, `every acknowledged event is in the topic (${distinct.size} of ${sent})`);
    assert.deepEqual(
      [...distinct].sort((a, b) => a - b),
      range(sent),
    );
    const duplicates = seqs.length - sent;
    process.stderr.write(`kafka restarts: ${restarts}, events ${sent}, duplicates ${duplicates}\n`);
    assert.ok(duplicates <= restarts * settings.sending_queue.batch.max_size, `${duplicates} duplicates`);
  });
});
