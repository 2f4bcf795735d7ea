/**
 * The awss3 exporter into a real S3 server (versitygw on 127.0.0.1, scripts/services/s3.sh): events/s per
 * core of this process (events over its CPU seconds; the server's own CPU is not counted), CPU per event,
 * bytes per event stored and the peak RSS, for ndjson+gzip, ocsf_json and ocsf_parquet, beside the file
 * exporter writing OCSF JSON lines and the awss3 encodings alone (no upload), all in the same run.
 * Run: make ts && $(scripts/node.sh) dist/bench/s3/run.js [events] [batch]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RecordDecoder } from '../../src/events/decode.js';
import type { Event } from '../../src/events/model.js';
import { awss3Exporter } from '../../src/exporters/awss3/awss3-exporter.js';
import { encodeObjects } from '../../src/exporters/awss3/object-encoding.js';
import { uuidv7 } from '../../src/exporters/awss3/object-key.js';
import { fileExporter } from '../../src/exporters/file/file-exporter.js';
import { EventRecordMapper } from '../../src/exporters/otel/event-record.js';
import { agentResource } from '../../src/exporters/otel/resource.js';
import type { Exporter, ExporterContext } from '../../src/pipeline/component.js';
import { CounterRegistry } from '../../src/telemetry/counters.js';
import { startS3, type S3Server } from '../../src/testing/services.js';
import { mixedBatch } from '../pipeline/mixed-batch.js';

const TOTAL = Number(process.argv[2] ?? 200_000);
const BATCH = Number(process.argv[3] ?? 20_000);
const CLOCK = BigInt(Date.now()) * 1_000_000n - 10_000_000_000n;
const resource = agentResource();
const dir = mkdtempSync(join(tmpdir(), 'ebpipe-bench-s3-'));

// Batches of a busy host's events, decoded once: the bench measures the exporters, not the decoder.
const batches: Event[][] = [];
for (let first = 0; first < TOTAL; first += BATCH) {
  const out: Event[] = [];
  new RecordDecoder(CLOCK).decodeBatch(mixedBatch(first, Math.min(BATCH, TOTAL - first)), out);
  batches.push(out);
}

function context(id: string): ExporterContext {
  return {
    resource,
    id,
    logger: pino({ level: 'silent' }),
    counters: new CounterRegistry(),
    origin: () => ({ file: 'bench', line: 1, column: 1 }),
    baseDir: dir,
  };
}

interface Run {
  label: string;
  /** Runs every batch once; resolves with the bytes stored. */
  run: () => Promise<number>;
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function measure({ label, run }: Run): Promise<void> {
  globalThis.gc?.();
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  const bytes = await run();
  const wallMs = performance.now() - t0;
  const cpuUs = cpuMicros() - cpu0;
  const perCore = TOTAL / (cpuUs / 1e6);
  console.log(
    `${label.padEnd(30)} ${perCore.toFixed(0).padStart(8)} ev/s/core ${((TOTAL / wallMs) * 1000).toFixed(0).padStart(8)} ev/s wall ` +
      `${(cpuUs / TOTAL).toFixed(2).padStart(6)} µs CPU/ev ${(bytes / TOTAL).toFixed(1).padStart(6)} B/ev ` +
      `rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`,
  );
}

async function exportAll(exporter: Exporter): Promise<void> {
  await exporter.start?.();
  for (const batch of batches) await exporter.export(batch);
  await exporter.shutdown();
}

async function bucketBytes(server: S3Server, prefix: string): Promise<number> {
  return (await server.listObjects()).filter((o) => o.key.startsWith(prefix)).reduce((n, o) => n + o.size, 0);
}

function awss3(server: S3Server, label: string, marshaler: string, compression: string): Run {
  const prefix = label.replaceAll(/[^a-z0-9]+/g, '-');
  const settings = awss3Exporter.settings.parse({
    s3uploader: {
      region: server.credentials.region,
      s3_bucket: server.bucket,
      s3_prefix: prefix,
      endpoint: server.endpoint,
      s3_force_path_style: true,
      access_key_id: server.credentials.accessKeyId,
      secret_access_key: server.credentials.secretAccessKey,
      compression,
    },
    marshaler,
    ...(marshaler === 'ocsf_parquet' && { security_lake: { account_id: '123456789012' } }),
  });
  return {
    label,
    run: async () => {
      await exportAll(awss3Exporter.create(settings, context('awss3/bench')));
      return bucketBytes(server, prefix);
    },
  };
}

/** The same encoding and compression with no upload: what the exporter's CPU goes to before S3. */
function encodeOnly(label: string, marshaler: string, compression: string): Run {
  const settings = awss3Exporter.settings.parse({
    s3uploader: { region: 'us-east-1', s3_bucket: 'bench', compression },
    marshaler,
    ...(marshaler === 'ocsf_parquet' && { security_lake: { account_id: '123456789012' } }),
  });
  const records = new EventRecordMapper(resource);
  return {
    label,
    run: async () => {
      let bytes = 0;
      for (const batch of batches)
        for (const o of await encodeObjects(settings, records.toRecords(batch), { id: uuidv7(), time: new Date() }))
          bytes += o.body.length;
      return bytes;
    },
  };
}

function file(label: string, format: string): Run {
  const path = join(dir, `${format}.ndjson`);
  const settings = fileExporter.settings.parse({ path, format, flush_interval: '1s' });
  return {
    label,
    run: async () => {
      await exportAll(fileExporter.create(settings, context('file/bench')));
      return statSync(path).size;
    },
  };
}

const server = await startS3();
try {
  console.log(`${TOTAL} events in batches (objects) of ${BATCH}, node ${process.version}`);
  for (const r of [
    file('file ocsf_json (baseline)', 'ocsf_json'),
    file('file json (baseline)', 'json'),
    encodeOnly('encode ndjson+gzip (no upload)', 'ndjson', 'gzip'),
    awss3(server, 'awss3 ndjson+gzip', 'ndjson', 'gzip'),
    awss3(server, 'awss3 ocsf_json+gzip', 'ocsf_json', 'gzip'),
    encodeOnly('encode ocsf_parquet (no upload)', 'ocsf_parquet', 'none'),
    awss3(server, 'awss3 ocsf_parquet', 'ocsf_parquet', 'none'),
  ])
    await measure(r);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
