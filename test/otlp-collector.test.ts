// The otlp and otlphttp exporters against a real OpenTelemetry Collector, read back from its
// file exporter: every event kind arrives with its EventName, typed attributes, times, resource
// and scope, over gRPC and over HTTP in both encodings; a Collector killed and restarted five
// times under load loses nothing, and the ledger adds up; an unreachable endpoint, a hanging
// server and a bad TLS file fail the way they should, with secrets kept out of every message.
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Agent } from '../src/agent/agent.js';
import { REPLAY_ID, withReplay } from '../src/cli/run.js';
import { componentRegistry } from '../src/components/registry.js';
import { loadPipelineConfig } from '../src/config/pipeline-config.js';
import type { Event } from '../src/events/model.js';
import { EventRecordMapper, hrTimeNanosText } from '../src/exporters/otel/event-record.js';
import type { AttributeValue } from '../src/exporters/otel/log-record.js';
import { agentResource } from '../src/exporters/otel/resource.js';
import type { ExporterFactory } from '../src/pipeline/component.js';
import { ReplayReceiver, replayReceiver } from '../src/receivers/replay/replay-receiver.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { createLogger, type Logger } from '../src/telemetry/logger.js';
import { pino } from 'pino';
import { sampleEvents } from '../src/testing/sample-events.js';
import {
  attributeMap,
  serviceMissing,
  startCollector,
  type OtlpAnyValue,
  type ReceivedLogRecord,
} from '../src/testing/services.js';
import { writeSyntheticCapture } from '../src/testing/synthetic-capture.js';
import { requirement } from './helpers/environment.js';

/** What the Collector's OTLP/JSON file writes for one of our typed values. */
function otlpValue(value: AttributeValue): OtlpAnyValue {
  if (Array.isArray(value)) {
    return { arrayValue: { values: (value as (string | number)[]).map((v) => otlpValue(v)) } };
  }
  if (typeof value === 'number') return { intValue: String(value) };
  if (typeof value === 'boolean') return { boolValue: value };
  return { stringValue: value };
}

function attributesOf(received: ReceivedLogRecord['record']): Record<string, OtlpAnyValue> {
  return Object.fromEntries(attributeMap(received.attributes));
}

function exporterOf(type: string): ExporterFactory {
  const factory = componentRegistry.get('exporter', type);
  assert.ok(factory?.kind === 'exporter', type);
  return factory;
}

const dir = mkdtempSync(join(tmpdir(), 'ebpipe-otlp-test-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function pipelineFile(name: string, exporter: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `receivers:
  ebpf:
processors:
  decode:
exporters:
${exporter}
service:
  pipelines:
    logs:
      receivers: [ebpf]
      processors: [decode]
      exporters: [${exporter.trim().split(':')[0]}]
  telemetry:
    logs:
      level: warn
`,
  );
  return file;
}

/** A logger that keeps every line it writes, to check what reached the log. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }), lines };
}

/** Replays a capture through a pipeline file in this process; resolves once every event is settled. */
async function replay(
  pipeline: string,
  capture: string,
  counters: CounterRegistry,
  rate = 0,
  logger: Logger = createLogger('test'),
) {
  const config = withReplay(loadPipelineConfig(pipeline, componentRegistry));
  const receiver = new ReplayReceiver(replayReceiver.settings.parse({ path: capture, rate }), {
    id: REPLAY_ID,
    logger,
    counters,
    origin: () => ({ file: capture, line: 0, column: 0 }),
    baseDir: dir,
  });
  const agent = await Agent.start(config, logger, { counters, extraReceivers: new Map([[REPLAY_ID, receiver]]) });
  return {
    done: (async () => {
      const stats = await receiver.finished;
      await agent.stop();
      return stats;
    })(),
  };
}

function collectorMissing(): string | null {
  return serviceMissing('otelcol');
}

describe('otlp and otlphttp into a real Collector', () => {
  test('every kind arrives with its EventName, typed attributes, times, resource and scope', async (t) => {
    if (!requirement(t, collectorMissing())) return;
    const collector = await startCollector();
    t.after(() => collector.close());
    const ways = [
      { type: 'otlp', settings: { endpoint: `http://${collector.endpoints.otlpGrpc}` } },
      { type: 'otlphttp', settings: { endpoint: collector.endpoints.otlpHttp, encoding: 'proto' } },
      { type: 'otlphttp', settings: { endpoint: collector.endpoints.otlpHttp, encoding: 'json', compression: 'none' } },
    ];
    const events: Event[] = sampleEvents();
    for (const [i, way] of ways.entries()) {
      const factory = exporterOf(way.type);
      const resource = agentResource({ 'test.way': i });
      const ctx = {
        id: way.type,
        logger: createLogger('test'),
        counters: new CounterRegistry(),
        origin: () => ({ file: 'x', line: 1, column: 1 }),
        baseDir: dir,
        resource,
      };
      const exporter = factory.create(factory.settings.parse(way.settings), ctx);
      await exporter.start?.();
      assert.equal(await exporter.export(events), undefined, 'the Collector refused nothing');
      await exporter.shutdown();
    }
    const received = await collector.waitForLogRecords(events.length * ways.length);
    assert.equal(received.length, events.length * ways.length);
    const expected = new EventRecordMapper(agentResource()).toRecords(events);
    for (const [i, way] of ways.entries()) {
      const mine = received.filter((r) => attributeMap(r.resource.attributes).get('test.way')?.intValue === String(i));
      assert.equal(mine.length, events.length, `${way.type} ${JSON.stringify(way.settings)}`);
      const resource = Object.fromEntries(attributeMap(mine[0]!.resource.attributes));
      assert.deepEqual(resource['service.name'], { stringValue: 'ebpipe' });
      assert.ok(resource['host.name'] && resource['os.version'] && resource['service.instance.id']);
      for (const [k, record] of expected.entries()) {
        const got = mine.find(
          (r) =>
            attributeMap(r.record.attributes).get('ebpipe.seq')?.intValue === String(record.attributes['ebpipe.seq']),
        );
        assert.ok(got, `${way.type}: ${record.eventName} #${k} missing`);
        assert.equal(got.record.eventName, record.eventName);
        assert.equal(got.record.timeUnixNano, hrTimeNanosText(record.hrTime));
        assert.equal(got.record.observedTimeUnixNano, hrTimeNanosText(record.hrTimeObserved));
        assert.equal(got.record.severityNumber, record.severityNumber);
        assert.equal(got.record.severityText, record.severityText);
        assert.deepEqual(got.record.body, { stringValue: record.body });
        assert.deepEqual(got.scope, { name: 'ebpipe', version: record.instrumentationScope.version });
        assert.deepEqual(
          attributesOf(got.record),
          Object.fromEntries(Object.entries(record.attributes).map(([key, v]) => [key, otlpValue(v)])),
          `${way.type}: ${record.eventName}`,
        );
      }
    }
  });

  test("a request over the Collector's 4 MiB limit is split until it passes, and every record arrives", async (t) => {
    if (!requirement(t, collectorMissing())) return;
    const collector = await startCollector({ otlp: { grpc: true, http: false } });
    t.after(() => collector.close());
    const samples = sampleEvents();
    // About 10 MB of enriched events in one export.
    const events: Event[] = Array.from({ length: 12_000 }, (_, i) => {
      const e = samples[i % samples.length]!;
      return { ...e, origin: { ...e.origin, seq: i } };
    });
    const factory = exporterOf('otlp');
    const ctx = {
      id: 'otlp',
      logger: createLogger('test'),
      counters: new CounterRegistry(),
      origin: () => ({ file: 'x', line: 1, column: 1 }),
      baseDir: dir,
      resource: agentResource(),
    };
    const exporter = factory.create(
      factory.settings.parse({ endpoint: `http://${collector.endpoints.otlpGrpc}` }),
      ctx,
    );
    assert.equal(await exporter.export(events), undefined, 'nothing refused in the end');
    await exporter.shutdown();
    const received = await collector.waitForLogRecords(events.length, { timeoutMs: 60_000 });
    const seqs = new Set(received.map((r) => attributeMap(r.record.attributes).get('ebpipe.seq')?.intValue));
    assert.equal(seqs.size, events.length);
  });

  test('killed and restarted five times under load, the Collector loses nothing the exporter acknowledged', async (t) => {
    if (!requirement(t, collectorMissing())) return;
    const collector = await startCollector({ otlp: { grpc: true, http: false } });
    t.after(() => collector.close());
    const capture = join(dir, 'load.ebcap');
    const batches = 60;
    const perBatch = 250;
    await writeSyntheticCapture(capture, { batches, recordsPerBatch: perBatch });
    const pipeline = pipelineFile(
      'restarts',
      `  otlp:
    endpoint: http://${collector.endpoints.otlpGrpc}
    timeout: 2s
    sending_queue: { queue_size: 8, batch: { max_size: 1000 } }
    retry_on_failure: { initial_interval: 50ms, max_interval: 500ms, max_elapsed_time: 120s }`,
    );
    const counters = new CounterRegistry();
    // 3000 records/s: the replay spans the restarts.
    const run = await replay(pipeline, capture, counters, 3000);
    for (let i = 0; i < 5; i++) {
      await sleep(600);
      await collector.kill();
      await sleep(300);
      await collector.start();
    }
    const stats = await run.done;
    const total = batches * perBatch;
    assert.equal(stats.records, total);
    const sent = counters.total('exporter_sent_events_total');
    const dropped = counters.total('exporter_dropped_events_total');
    assert.equal(sent + dropped, total, 'every event delivered or counted as dropped');
    assert.equal(stats.exportedEvents + stats.droppedEvents, total, "the receiver's ledger agrees");
    assert.equal(dropped, 0, 'within max_elapsed_time nothing is given up');
    assert.ok(counters.total('exporter_send_failed_attempts_total') > 0, 'the restarts made exports fail and retry');
    const seen = new Set(
      (await collector.logRecords()).map((r) => {
        const a = attributeMap(r.record.attributes);
        return `${a.get('ebpipe.cpu')?.intValue}/${a.get('ebpipe.seq')?.intValue}`;
      }),
    );
    const missing = Array.from({ length: total }, (_, i) => `${i % 2}/${i}`).filter((key) => !seen.has(key));
    assert.deepEqual(
      missing.slice(0, 10),
      [],
      `${missing.length} records acknowledged but not in the Collector's output`,
    );
  });

  test('an unreachable endpoint: the agent runs, retries with backoff, and counts what it gives up', async () => {
    const port = await closedPort();
    const capture = join(dir, 'small.ebcap');
    await writeSyntheticCapture(capture, { batches: 2, recordsPerBatch: 10 });
    const pipeline = pipelineFile(
      'unreachable',
      `  otlp:
    endpoint: http://127.0.0.1:${port}
    headers: { authorization: "Bearer \${env:EBPIPE_TEST_OTLP_TOKEN}" }
    timeout: 500ms
    retry_on_failure: { initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 1s }`,
    );
    process.env['EBPIPE_TEST_OTLP_TOKEN'] = 'sekret-token-4711';
    const counters = new CounterRegistry();
    const { logger, lines } = recordingLogger();
    const stats = await (await replay(pipeline, capture, counters, 0, logger)).done;
    assert.ok(
      lines.some((l) => l.includes('export failed, retrying')),
      'each backoff step is logged',
    );
    assert.ok(!lines.some((l) => l.includes('sekret-token-4711')), 'the header value never reaches the log');
    assert.equal(stats.records, 20);
    assert.equal(counters.total('exporter_dropped_events_total', { reason: 'retries_exhausted' }), 20);
    assert.equal(counters.total('exporter_sent_events_total'), 0);
    assert.ok(counters.total('exporter_errors_total', { code: 'GRPC_UNAVAILABLE' }) >= 2, 'retried before giving up');
  });

  test('a server that never answers: the timeout fires and the batch is retried, over gRPC and HTTP', async () => {
    const hang = await hangingServer();
    try {
      for (const [type, settings, code] of [
        ['otlp', { endpoint: `http://127.0.0.1:${hang.port}`, timeout: '300ms' }, 'GRPC_DEADLINE_EXCEEDED'],
        ['otlphttp', { endpoint: `http://127.0.0.1:${hang.port}`, timeout: '300ms' }, 'HTTP_TIMEOUT'],
      ] as const) {
        const factory = exporterOf(type);
        const ctx = {
          id: type,
          logger: createLogger('test'),
          counters: new CounterRegistry(),
          origin: () => ({ file: 'x', line: 1, column: 1 }),
          baseDir: dir,
          resource: agentResource(),
        };
        const exporter = factory.create(
          factory.settings.parse({ ...settings, headers: { 'x-api-key': 'sekret-4712' } }),
          ctx,
        );
        const started = Date.now();
        await assert.rejects(
          exporter.export(sampleEvents().slice(0, 3)),
          (err: Error & { code: string; permanent: boolean }) => {
            assert.equal(err.code, code);
            assert.equal(err.permanent, false, 'a timeout is retried');
            assert.ok(!err.message.includes('sekret'), err.message);
            return true;
          },
        );
        assert.ok(Date.now() - started < 5000, 'the timeout, not a hang');
        await exporter.shutdown();
      }
    } finally {
      hang.close();
    }
  });

  test('a partial success drops and counts the records the server refused, and delivers the rest', async () => {
    // No Collector refuses part of a request on demand: a scripted OTLP/HTTP server answers with the
    // protocol's own ExportLogsServiceResponse { partial_success { rejected_log_records: 3 } }.
    const requests: number[] = [];
    const server = createHttpServer((req, res) => {
      req.resume().on('end', () => {
        requests.push(1);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'bad attribute' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const capture = join(dir, 'partial.ebcap');
      await writeSyntheticCapture(capture, { batches: 1, recordsPerBatch: 10 });
      const pipeline = pipelineFile(
        'partial',
        `  otlphttp:
    endpoint: http://127.0.0.1:${port}
    encoding: json`,
      );
      const counters = new CounterRegistry();
      const stats = await (await replay(pipeline, capture, counters)).done;
      assert.equal(requests.length, 1, 'refused records are not sent again');
      assert.equal(counters.total('exporter_dropped_events_total', { reason: 'rejected' }), 3);
      assert.equal(counters.total('exporter_sent_events_total'), 7);
      assert.deepEqual([stats.exportedEvents, stats.droppedEvents], [7, 3]);
    } finally {
      server.close();
    }
  });

  test('a bad TLS file stops start-up naming the pipeline file, line and key', () => {
    const missing = pipelineFile(
      'tls-missing',
      `  otlp:\n    endpoint: collector.example:4317\n    tls:\n      ca_file: /nonexistent/ca.pem`,
    );
    assert.throws(
      () => exporterSettingsCreate(missing),
      (err: Error) => {
        assert.equal(
          err.message,
          `${missing}:9:16: exporters.otlp.tls.ca_file: reading /nonexistent/ca.pem: no such file or directory`,
        );
        return true;
      },
    );
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const bad = pipelineFile(
      'tls-bad',
      `  otlphttp:\n    endpoint: https://collector.example:4318\n    tls:\n      cert_file: ${notPem}\n      key_file: ${notPem}`,
    );
    assert.throws(
      () => exporterSettingsCreate(bad),
      /tls-bad\.yaml:9:18: exporters\.otlphttp\.tls\.cert_file: .*not\.pem is not a PEM file/,
    );
  });
});

/** Creates the pipeline file's one exporter as the agent would (settings errors thrown as they would be). */
function exporterSettingsCreate(pipeline: string): void {
  const config = loadPipelineConfig(pipeline, componentRegistry);
  for (const c of config.exporters.values()) {
    c.factory.create(c.settings, {
      id: c.id,
      logger: createLogger('test'),
      counters: new CounterRegistry(),
      origin: (path) => c.origin(path),
      baseDir: config.baseDir,
      resource: agentResource(),
    });
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never says a word; close() drops them too. */
async function hangingServer(): Promise<{ close: () => void; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  return { close, port: (server.address() as { port: number }).port };
}
