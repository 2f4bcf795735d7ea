// bench/splunk-hec: the bench's busy-host events (bench/pipeline's mixed batches) replayed through
// decode -> splunk_hec into the Collector's splunk_hec receiver (with its ack extension; it keeps
// nothing), with and without indexer acknowledgement, gzip on, beside a baseline in the same run:
// the same request bodies POSTed by a plain loop (post-loop.ts), and decode -> nop. Each run in its
// own process; prints events/s (wall and per core of ebpipe's process), CPU per event, peak RSS.
// Usage: node dist/bench/splunk-hec/run.js [batches=100] (1000 events per batch)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths.js';
import { serviceMissing, startCollector } from '../../src/testing/services.js';
import { benchCapture, PER_BATCH } from './events.js';

const batches = Number(process.argv[2] ?? 100);
const token = 'bench-hec-token';
const missing = serviceMissing('otelcol');
if (missing) throw new Error(`bench/splunk-hec needs the Collector: ${missing}`);

interface Run {
  records: number;
  exported: number;
  dropped: number;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
}

const work = mkdtempSync(join(tmpdir(), 'ebpipe-bench-splunk-hec-'));
const collector = await startCollector({ otlp: false, splunkHec: { ack: true, tokens: [token] }, discard: true });
const endpoint = collector.endpoints.splunkHec!;
const env = { ...process.env, BENCH_HEC_TOKEN: token, EBPIPE_LOG_LEVEL: 'warn' };

function pipeline(name: string, exporter: string): string {
  const file = join(work, `${name}.yaml`);
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

const splunk = (acknowledgements: string) => `  splunk_hec:
    endpoint: ${endpoint}
    token: \${env:BENCH_HEC_TOKEN}
    acknowledgements: ${acknowledgements}`;

function measure(script: string, args: string[]): Run {
  const text = execFileSync(process.execPath, [join(projectRoot, script), ...args], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as Run;
}

try {
  const capture = await benchCapture(batches);
  const replay = (config: string) => measure('dist/bench/pipeline/one-run.js', [config, capture]);
  const loop = (ack: string) => measure('dist/bench/splunk-hec/post-loop.js', [endpoint, String(batches), ack]);
  const cases: [string, () => Run][] = [
    ['baseline: the same bodies, gzip + POST loop', () => loop('no-ack')],
    ['baseline: ... + one /ack query a request', () => loop('ack')],
    ['baseline: decode -> nop', () => replay(pipeline('nop', '  nop:'))],
    ['decode -> splunk_hec', () => replay(pipeline('hec', splunk('{ enabled: false }')))],
    [
      'decode -> splunk_hec, acknowledgements (defaults)',
      () => replay(pipeline('hec-ack', splunk('{ enabled: true }'))),
    ],
    [
      '... acknowledgements, query_interval 100ms',
      () => replay(pipeline('hec-ack-fast', splunk('{ enabled: true, query_interval: 100ms }'))),
    ],
  ];
  const rows = cases.map(([name, run]) => {
    const r = run();
    return {
      run: name,
      events: r.records.toLocaleString('en'),
      'events/s (wall)': Math.round(r.records / (r.wallMs / 1000)).toLocaleString('en'),
      'events/s per core': Math.round(r.records / (r.cpuMs / 1000)).toLocaleString('en'),
      'CPU µs/event': ((r.cpuMs * 1000) / r.records).toFixed(2),
      'peak RSS MiB': (r.peakRssBytes / 2 ** 20).toFixed(0),
      delivered: r.exported,
      dropped: r.dropped,
    };
  });
  console.log(
    `bench/splunk-hec: ${(batches * PER_BATCH).toLocaleString('en')} events into the Collector's splunk_hec receiver ` +
      `(ack extension, events discarded); CPU is the sending process's only`,
  );
  console.table(rows);
} finally {
  await collector.close();
  rmSync(work, { recursive: true, force: true });
}
