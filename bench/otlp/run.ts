// bench/otlp: events through the `otlp` exporter into a real OpenTelemetry Collector (which
// counts and discards them), beside, in the same run, a baseline that sends the same records
// without ebpipe's pipeline: the OpenTelemetry JS OTLPLogExporter fed records built before the
// clock starts. Each case runs in its own process; the split of the exporter's CPU between
// mapping, serialization and the network is measured in-process over the same events.
// Prints events/s per core, CPU per event and peak RSS. Usage: node dist/bench/otlp/run.js [batches=300]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths.js';
import { startCollector } from '../../src/testing/services.js';
import { mixedCapture, RECORDS_PER_BATCH } from '../pipeline/mixed-capture.js';
import type { ExporterSplit, Figures } from './figures.js';

const batches = Number(process.argv[2] ?? 300);
/** Events per export: the exporter's default batch size (sending_queue.batch.max_size). */
const EXPORT_BATCH = 8192;
const work = mkdtempSync(join(tmpdir(), 'ebpipe-bench-otlp-'));

function pipeline(name: string, processors: string[], exporter: string): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    `receivers:
  ebpf:
processors:
${processors.map((p) => `  ${p}:`).join('\n')}
exporters:
${exporter}
service:
  pipelines:
    logs:
      receivers: [ebpf]
      processors: [${processors.join(', ')}]
      exporters: [${exporter.trim().split(':')[0]}]
  telemetry:
    logs:
      level: warn
`,
  );
  return file;
}

function child<T = Figures>(script: string, args: string[]): T {
  const text = execFileSync(process.execPath, [join(projectRoot, 'dist/bench', script), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as T;
}

const capture = await mixedCapture(batches);
const records = batches * RECORDS_PER_BATCH;
const collector = await startCollector({ otlp: { grpc: true, http: false }, discard: true });
try {
  const endpoint = `http://${collector.endpoints.otlpGrpc}`;
  const otlp = `  otlp:\n    endpoint: ${endpoint}\n    sending_queue: { batch: { max_size: ${EXPORT_BATCH} } }`;
  const full = ['decode', 'enrich', 'redact'];
  const cases: [string, () => Figures][] = [
    ['baseline: OTLPLogExporter fed pre-built records', () => child('otlp/baseline.js', [capture, endpoint])],
    ['decode -> nop', () => child('pipeline/one-run.js', [pipeline('decode-nop', ['decode'], '  nop:'), capture])],
    ['decode -> otlp', () => child('pipeline/one-run.js', [pipeline('decode-otlp', ['decode'], otlp), capture])],
    [
      'decode -> enrich -> redact -> otlp',
      () => child('pipeline/one-run.js', [pipeline('full-otlp', full, otlp), capture]),
    ],
  ];
  const rows = cases.map(([name, run]) => {
    const r = run();
    return {
      case: name,
      records: r.records.toLocaleString('en'),
      'events/s (wall)': Math.round(r.records / (r.wallMs / 1000)).toLocaleString('en'),
      'events/s per core': Math.round(r.records / (r.cpuMs / 1000)).toLocaleString('en'),
      'CPU ns/event': Math.round((r.cpuMs * 1e6) / r.records),
      'peak RSS MiB': (r.peakRssBytes / 2 ** 20).toFixed(0),
      dropped: r.dropped,
    };
  });
  console.log(`bench/otlp: ${records.toLocaleString('en')} records from ${capture}, exports of ${EXPORT_BATCH} events`);
  console.table(rows);
  const split = child<ExporterSplit>('otlp/split.js', [capture, endpoint]);
  console.log(
    `the otlp exporter's CPU per event, in-process over the same decoded events (${split.requestBytesPerEvent} request bytes/event before gzip):`,
  );
  console.table(split.parts);
} finally {
  await collector.close();
  rmSync(work, { recursive: true, force: true });
}
