/**
 * The kafka exporter into a real broker (scripts/services/kafka.sh, one KRaft node on 127.0.0.1):
 * events/s, producer CPU per event and RSS, for otlp_proto (lz4, acks all, idempotent) and for json
 * (one event a message), beside in the same run: encoding alone, kafkajs fed the same pre-built
 * messages, and Kafka's own ProducerPerformance (Java, from the same jars) writing as many records
 * of the same size (lz4, acks=all, idempotent). Events per CPU-second is events/s per core.
 * Run: make ts && $(scripts/node.sh) dist/bench/kafka/run.js [events] [batch]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { Event } from '../../src/events/model.js';
import { kafkaSettings } from '../../src/exporters/kafka/config.js';
import { valueEncoding } from '../../src/exporters/kafka/encodings.js';
import { kafkaExporter, kafkajsProducerOptions } from '../../src/exporters/kafka/kafka-exporter.js';
import { KafkajsProducer } from '../../src/exporters/kafka/kafkajs-producer.js';
import { MessageBuilder } from '../../src/exporters/kafka/messages.js';
import type { OutgoingMessage } from '../../src/exporters/kafka/producer.js';
import { EventRecordMapper } from '../../src/exporters/otel/event-record.js';
import { agentResource } from '../../src/exporters/otel/resource.js';
import type { ExporterContext } from '../../src/pipeline/component.js';
import { testContext } from '../../src/testing/pipeline.js';
import { numberedEvents } from '../../src/testing/sample-events.js';
import { serviceMissing, startKafka, type KafkaBroker } from '../../src/testing/services.js';
import { serviceScript } from '../../src/testing/services/instance.js';

const execFileAsync = promisify(execFile);
const TOTAL = Number(process.argv[2] ?? 200_000);
const BATCH = Number(process.argv[3] ?? 8192);

const resource = agentResource({ 'host.name': 'node-17.prod.example' });
const ctx: ExporterContext = { ...testContext('kafka'), logger: pino({ level: 'warn' }), resource };

// Events are made before the timed runs (an agent never holds them all); 50 processes take turns.
const batches: Event[][] = [];
for (let first = 0; first < TOTAL; first += BATCH)
  batches.push(numberedEvents(Math.min(BATCH, TOTAL - first), 50, first));

interface Figures {
  label: string;
  wallMs: number;
  cpuUs: number;
  rss: number;
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

async function measure(label: string, run: () => Promise<void>): Promise<Figures> {
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  await run();
  return { label, wallMs: performance.now() - t0, cpuUs: cpuMicros() - cpu0, rss: process.memoryUsage().rss };
}

function print(f: Figures, note = ''): void {
  const perCpuSecond = TOTAL / (f.cpuUs / 1e6);
  console.log(
    `${f.label.padEnd(44)} ${((TOTAL / f.wallMs) * 1000).toFixed(0).padStart(8)} events/s ` +
      `${perCpuSecond.toFixed(0).padStart(8)} events/CPU-s ${(f.cpuUs / TOTAL).toFixed(2).padStart(6)} µs CPU/event ` +
      `rss ${mib(f.rss).padStart(8)}${note}`,
  );
}

function settingsFor(kafka: KafkaBroker, topic: string, encoding: 'otlp_proto' | 'json') {
  return kafkaSettings.parse({
    brokers: [kafka.bootstrap],
    logs: { topic, encoding },
    producer: { compression: 'lz4', required_acks: 'all' },
  });
}

async function exporterRun(kafka: KafkaBroker, topic: string, encoding: 'otlp_proto' | 'json'): Promise<Figures> {
  const exporter = kafkaExporter.create(settingsFor(kafka, topic, encoding), ctx);
  await exporter.export(numberedEvents(10)); // connected, topic created, before the clock starts
  const figures = await measure(`ebpipe kafka ${encoding}, lz4, acks all`, async () => {
    for (const batch of batches) await exporter.export(batch);
  });
  await exporter.shutdown();
  return figures;
}

function built(encoding: 'otlp_proto' | 'json'): OutgoingMessage[][] {
  const mapper = new EventRecordMapper(resource);
  const builder = new MessageBuilder(
    valueEncoding(encoding),
    { messageKey: 'none', byResourceAttributes: false },
    resource,
    1_000_000,
  );
  return batches.map((b) => builder.build(mapper.toRecords(b)).messages);
}

/** ProducerPerformance (Java) with the same producer settings; its own CPU (JVM start included) from bash's `time`. */
async function perfTest(
  kafka: KafkaBroker,
  topic: string,
  records: number,
  source: { recordSize: number } | { payloadFile: string },
): Promise<{ line: string; cpuS: number }> {
  const args = [serviceScript('kafka'), 'producer-perf-test', '--topic', topic, '--num-records', String(records)];
  if ('recordSize' in source) args.push('--record-size', String(source.recordSize));
  else args.push('--payload-file', source.payloadFile);
  args.push('--throughput', '-1', '--producer-props', `bootstrap.servers=${kafka.bootstrap}`);
  args.push('acks=all', 'compression.type=lz4', 'enable.idempotence=true', 'linger.ms=5', 'batch.size=1000000');
  const script = `TIMEFORMAT='cpu %U %S'; time bash ${args.map((a) => `'${a}'`).join(' ')}`;
  const { stdout, stderr } = await execFileAsync('bash', ['-c', script], { maxBuffer: 1 << 26 });
  const line =
    stdout
      .trim()
      .split('\n')
      .filter((l) => l.includes('records sent'))
      .at(-1) ?? stdout.trim();
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
  return { line, cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
}

async function main(): Promise<void> {
  const missing = serviceMissing('kafka');
  if (missing) throw new Error(`kafka is not built: ${missing} (bash scripts/services/kafka.sh build)`);
  const kafka = await startKafka();
  const dir = mkdtempSync(join(tmpdir(), 'ebpipe-kafka-bench-'));
  try {
    console.log(
      `node ${process.version}, ${TOTAL} events in batches of ${BATCH}, broker ${kafka.bootstrap} (Kafka 4.4, 1 partition)`,
    );
    const proto = built('otlp_proto');
    const protoBytes = proto.flat().reduce((n, m) => n + m.value.length, 0);
    const protoMessages = proto.flat().length;
    const json = built('json').flat();
    console.log(
      `otlp_proto: ${protoMessages} messages, ${(protoBytes / TOTAL).toFixed(0)} bytes/event; ` +
        `json: ${(json.reduce((n, m) => n + m.value.length, 0) / TOTAL).toFixed(0)} bytes/event (before lz4)`,
    );

    console.log(`rss with the events and pre-built messages held, before the runs: ${mib(process.memoryUsage().rss)}`);
    const encode = await measure('encode only: records + otlp_proto messages', async () => void built('otlp_proto'));
    const ebpipeProto = await exporterRun(kafka, 'bench-otlp', 'otlp_proto');
    const producer = new KafkajsProducer(
      kafkajsProducerOptions(settingsFor(kafka, 'bench-prebuilt', 'otlp_proto'), ctx),
      'bench-prebuilt',
    );
    await producer.connect();
    await producer.send('bench-prebuilt', proto[0]!.slice(0, 1));
    const prebuilt = await measure('kafkajs fed pre-built otlp_proto messages', async () => {
      for (const messages of proto) await producer.send('bench-prebuilt', messages);
    });
    await producer.close();
    const ebpipeJson = await exporterRun(kafka, 'bench-json', 'json');
    const peak = process.resourceUsage().maxRSS * 1024;

    print(encode);
    print(ebpipeProto, `  (${(protoBytes / 1048576 / (ebpipeProto.wallMs / 1000)).toFixed(1)} MiB/s)`);
    print(prebuilt);
    print(ebpipeJson);
    console.log(`node peak rss ${mib(peak)}`);

    const sameMessages = await perfTest(kafka, 'perf-otlp', protoMessages, {
      recordSize: Math.round(protoBytes / protoMessages),
    });
    console.log(
      `ProducerPerformance, ${protoMessages} records of ${Math.round(protoBytes / protoMessages)} B (as otlp_proto above): ${sameMessages.line}; ${sameMessages.cpuS.toFixed(1)} s CPU`,
    );
    const payloadFile = join(dir, 'events.json');
    writeFileSync(
      payloadFile,
      json
        .slice(0, 10_000)
        .map((m) => m.value.toString())
        .join('\n'),
    );
    const perEvent = await perfTest(kafka, 'perf-json', TOTAL, { payloadFile });
    console.log(
      `ProducerPerformance, ${TOTAL} records from ebpipe's json events (as json above): ${perEvent.line}; ` +
        `${perEvent.cpuS.toFixed(1)} s CPU (${(TOTAL / perEvent.cpuS).toFixed(0)} records/CPU-s, JVM start included)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await kafka.close();
  }
}

await main();
