// The awss3 exporter against a real S3 server (Versity's gateway, scripts/services/s3.sh): objects
// are listed and read back through the S3 API with requests signed here (not with the SDK the
// exporter uses), decompressed and decoded, and every event is found exactly once; Parquet is read
// by ClickHouse's reader (chdb). Wrong credentials and a missing bucket are permanent errors that
// name S3's code and not the secret; a server down at start, or killed five times mid-stream,
// loses nothing that was acknowledged and leaves no partial object.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { query } from 'chdb';
import { pino } from 'pino';
import { RecordDecoder } from '../src/events/decode.js';
import type { Event } from '../src/events/model.js';
import { awss3Exporter, Awss3Exporter } from '../src/exporters/awss3/awss3-exporter.js';
import { PART_SIZE } from '../src/exporters/awss3/s3-uploader.js';
import { ocsfEventOf } from '../src/exporters/ocsf/ocsf-mapper.js';
import { EventRecordMapper } from '../src/exporters/otel/event-record.js';
import { agentResource } from '../src/exporters/otel/resource.js';
import { Delivery, type DeliveryResult } from '../src/pipeline/batch.js';
import { ExportError, type ExporterContext } from '../src/pipeline/component.js';
import { QueuedExporter } from '../src/pipeline/queued-exporter.js';
import { CounterRegistry } from '../src/telemetry/counters.js';
import { sampleEvents } from '../src/testing/sample-events.js';
import { serviceMissing, startS3, type S3Server } from '../src/testing/services.js';
import { syntheticBatch } from '../src/testing/synthetic-capture.js';
import { until } from '../src/testing/wait.js';
import { requirement } from './helpers/environment.js';

const CLOCK = 1_700_000_000_000_000_000n;
const resource = agentResource();
const scratch = mkdtempSync(join(tmpdir(), 'ebpipe-awss3-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Decoded synthetic events whose ebpipe.seq runs [first, first + count). */
function events(first: number, count: number): Event[] {
  const out: Event[] = [];
  new RecordDecoder(CLOCK).decodeBatch(syntheticBatch(first, count), out);
  return out;
}

function context(log: string[] = [], counters = new CounterRegistry()): ExporterContext {
  return {
    resource,
    id: 'awss3/test',
    logger: pino({ level: 'debug' }, { write: (line: string) => void log.push(line) }),
    counters,
    origin: () => ({ file: 'pipeline.yaml', line: 1, column: 1 }),
    baseDir: scratch,
  };
}

function settings(server: S3Server, extra: Record<string, unknown> = {}, uploader: Record<string, unknown> = {}) {
  return awss3Exporter.settings.parse({
    s3uploader: {
      region: server.credentials.region,
      s3_bucket: server.bucket,
      endpoint: server.endpoint,
      s3_force_path_style: true,
      access_key_id: server.credentials.accessKeyId,
      secret_access_key: server.credentials.secretAccessKey,
      ...uploader,
    },
    ...extra,
  });
}

/** Keys of the bucket, listed by the S3 API (ListObjectsV2, signed here). */
async function listKeys(server: S3Server, prefix = ''): Promise<string[]> {
  const res = await server.request('GET', `/${server.bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.doesNotMatch(text, /<IsTruncated>true/, 'more than one page of keys');
  return [...text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!).sort();
}

/**
 * An object as stored: the S3 API must serve it (HEAD, with the Content-Encoding its compression
 * says, so clients decompress it); its bytes are read from the gateway's directory.
 */
async function getObject(server: S3Server, key: string): Promise<Buffer> {
  const res = await server.request('HEAD', `/${server.bucket}/${key}`);
  assert.equal(res.status, 200, key);
  const encoding = key.endsWith('.gz') ? 'gzip' : key.endsWith('.zst') ? 'zstd' : null;
  assert.equal(res.headers.get('content-encoding'), encoding, key);
  return server.readObject(key);
}

interface OtlpJson {
  resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { intValue?: string } }[] }[] }[] }[];
}

/** ebpipe.seq of every record in an object, by its encoding. */
function seqsOf(key: string, bytes: Buffer): number[] {
  const raw = key.endsWith('.gz') ? gunzipSync(bytes) : key.endsWith('.zst') ? zstdDecompressSync(bytes) : bytes;
  const text = raw.toString('utf8');
  if (/\.json(\.|$)/.test(key)) {
    const request = JSON.parse(text) as OtlpJson;
    return request.resourceLogs.flatMap((r) =>
      r.scopeLogs.flatMap((s) =>
        s.logRecords.map((l) => Number(l.attributes.find((a) => a.key === 'ebpipe.seq')!.value.intValue)),
      ),
    );
  }
  const lines = text.split('\n').filter((l) => l !== '');
  if (key.includes('.ocsf.ndjson'))
    return lines.map((l) => (JSON.parse(l) as { metadata: { sequence: number } }).metadata.sequence);
  return lines.map((l) => (JSON.parse(l) as { attributes: Record<string, number> }).attributes['ebpipe.seq']!);
}

const UUID7 = '[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** Every seq exactly once: sorted and equal to [first, first + count). */
function assertExactlyOnce(seqs: number[], first: number, count: number): void {
  const sorted = [...seqs].sort((a, b) => a - b);
  assert.equal(sorted.length, count, 'events found');
  assert.deepEqual(
    sorted,
    Array.from({ length: count }, (_, i) => first + i),
  );
}

describe('awss3 exporter against versitygw', { concurrency: false }, () => {
  let server: S3Server;

  test('starts the S3 server', async (t) => {
    if (!requirement(t, serviceMissing('s3'))) return;
    server = await startS3({ buckets: ['ebpipe', 'other'] });
  });
  after(() => server?.close());

  for (const [marshaler, compression, extension] of [
    ['otlp_json', 'gzip', 'json.gz'],
    ['ndjson', 'zstd', 'ndjson.zst'],
    ['ndjson', 'none', 'ndjson'],
    ['ocsf_json', 'gzip', 'ocsf.ndjson.gz'],
  ] as const) {
    test(`${marshaler} + ${compression}: one object per batch, named by partition and UUIDv7, every event once`, async (t) => {
      if (!requirement(t, serviceMissing('s3'))) return;
      const prefix = `${marshaler}-${compression}`;
      const exporter = new Awss3Exporter(
        settings(server, { marshaler }, { s3_prefix: prefix, file_prefix: 'host-a_', compression }),
        context(),
      );
      const before = Date.now();
      await exporter.export(events(0, 3000));
      await exporter.export(events(3000, 2000));
      await exporter.shutdown();
      const keys = await listKeys(server, `${prefix}/`);
      assert.equal(keys.length, 2, keys.join(', '));
      const d = new Date(before);
      const partition = `year=${d.getUTCFullYear()}/month=${String(d.getUTCMonth() + 1).padStart(2, '0')}/day=${String(d.getUTCDate()).padStart(2, '0')}/hour=\\d{2}/minute=\\d{2}`;
      for (const key of keys)
        assert.match(
          key,
          new RegExp(`^${prefix}/${partition}/host-a_logs_${UUID7}\\.${extension.replaceAll('.', '\\.')}$`),
        );
      const seqs: number[] = [];
      for (const key of keys) seqs.push(...seqsOf(key, await getObject(server, key)));
      assertExactlyOnce(seqs, 0, 5000);
      // UUIDv7 names sort as they were made.
      const names = keys.map((k) => k.slice(k.lastIndexOf('/') + 1));
      assert.deepEqual([...names].sort(), names.slice().sort());
    });
  }

  test('ocsf_parquet: one zstd Parquet object per class and day in the Security Lake layout, read back by ClickHouse', async (t) => {
    if (!requirement(t, serviceMissing('s3'))) return;
    const exporter = new Awss3Exporter(
      settings(server, {
        marshaler: 'ocsf_parquet',
        security_lake: { account_id: '123456789012', sources: { detection_finding: 'ebpipe-findings' } },
      }),
      context(),
    );
    const batch = [...sampleEvents(), ...events(0, 500)];
    await exporter.export(batch);
    await exporter.shutdown();
    const keys = await listKeys(server, 'ext/');
    const expected = new Map<string, ReturnType<typeof ocsfEventOf>[]>();
    for (const e of new EventRecordMapper(resource).toRecords(batch).map(ocsfEventOf)) {
      const list = expected.get(String(e.class_uid)) ?? [];
      list.push(e);
      expected.set(String(e.class_uid), list);
    }
    const sources = keys.map((k) => k.split('/')[1]).sort();
    assert.deepEqual(sources, [
      'ebpipe-findings',
      'ebpipe_base_event',
      'ebpipe_file_activity',
      'ebpipe_kernel_extension_activity',
      'ebpipe_network_activity',
      'ebpipe_process_activity',
    ]);
    for (const key of keys) {
      assert.match(
        key,
        new RegExp(`^ext/[\\w-]+/region=us-east-1/accountId=123456789012/eventDay=2023111[45]/${UUID7}\\.parquet$`),
      );
      const file = join(scratch, key.replaceAll('/', '_'));
      writeFileSync(file, await getObject(server, key));
      const rows = query(
        `SELECT class_uid, time, metadata.uid AS uid, type_uid, severity_id FROM file('${file}', Parquet) SETTINGS output_format_json_quote_64bit_integers = 0`,
        'JSONEachRow',
      )
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as { class_uid: number; time: number; uid: string; type_uid: number; severity_id: number },
        );
      const classUid = String(rows[0]!.class_uid);
      assert.ok(
        rows.every((r) => String(r.class_uid) === classUid),
        `${key}: one class per object`,
      );
      const want = expected.get(classUid)!;
      assert.deepEqual(new Set(rows.map((r) => r.uid)), new Set(want.map((e) => e.metadata['uid'])), key);
      assert.deepEqual(
        rows.map((r) => r.time),
        [...rows.map((r) => r.time)].sort((a, b) => a - b),
        'sorted by time',
      );
      const byUid = new Map(want.map((e) => [e.metadata['uid'], e]));
      for (const r of rows) {
        assert.equal(r.type_uid, byUid.get(r.uid)!.type_uid);
        assert.equal(r.severity_id, byUid.get(r.uid)!.severity_id);
      }
      const codec = query(
        `SELECT DISTINCT arrayJoin(arrayMap(c -> c.compression, columns)) FROM file('${file}', ParquetMetadata)`,
        'TSV',
      );
      assert.equal(codec.trim(), 'ZSTD');
    }
  });

  test('an object above 16 MiB goes up in parts and lands whole, no upload left open', async (t) => {
    if (!requirement(t, serviceMissing('s3'))) return;
    const exporter = new Awss3Exporter(
      settings(server, { marshaler: 'ndjson' }, { s3_prefix: 'multipart' }),
      context(),
    );
    await exporter.export(events(0, 60_000));
    await exporter.shutdown();
    const keys = await listKeys(server, 'multipart/');
    assert.equal(keys.length, 1);
    const bytes = await getObject(server, keys[0]!);
    assert.ok(bytes.length > PART_SIZE, `${bytes.length} bytes: more than one part`);
    assertExactlyOnce(seqsOf(keys[0]!, bytes), 0, 60_000);
    const uploads = await server.request('GET', `/${server.bucket}?uploads`);
    assert.doesNotMatch(await uploads.text(), /<Upload>/);
  });

  test('wrong credentials: a permanent error naming S3 code, never the secret, in the error or the log', async (t) => {
    if (!requirement(t, serviceMissing('s3'))) return;
    const secret = 'wrong-secret-Zq8f2K9x';
    const log: string[] = [];
    const counters = new CounterRegistry();
    const ctx = context(log, counters);
    const exporter = new Awss3Exporter(settings(server, {}, { secret_access_key: secret }), ctx);
    const error = await exporter.export(events(0, 10)).then(
      () => assert.fail('export succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ExportError);
    assert.equal(error.permanent, true, error.message);
    assert.match(error.code, /^S3_(SIGNATURE_DOES_NOT_MATCH|INVALID_ACCESS_KEY_ID|ACCESS_DENIED)$/);
    assert.match(error.message, /PUT s3:\/\/ebpipe\/.*: (SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied)/);
    assert.ok(!error.message.includes(secret));
    // Through the queue: dropped once, counted, logged without the secret.
    const queued = new QueuedExporter('awss3/test', exporter, queueSettings(), counters, ctx.logger);
    await queued.start();
    const results: DeliveryResult[] = [];
    const delivery = new Delivery((r) => results.push(r));
    await queued.enqueue(events(0, 10), delivery);
    delivery.seal();
    await queued.shutdown();
    assert.deepEqual(results, [{ exported: 0, dropped: 10 }]);
    assert.equal(
      counters.counter('exporter_dropped_events_total', { exporter: 'awss3/test', reason: 'permanent_error' }).value,
      10,
    );
    const text = log.join('');
    assert.match(text, /dropping batch/);
    assert.ok(!text.includes(secret), 'the secret reached the log');
  });

  test('a missing bucket is permanent: NoSuchBucket', async (t) => {
    if (!requirement(t, serviceMissing('s3'))) return;
    const exporter = new Awss3Exporter(settings(server, {}, { s3_bucket: 'no-such-bucket' }), context());
    await assert.rejects(exporter.export(events(0, 10)), (e: unknown) => {
      assert.ok(e instanceof ExportError);
      assert.equal(e.code, 'S3_NO_SUCH_BUCKET');
      assert.equal(e.permanent, true);
      assert.match(e.message, /NoSuchBucket/);
      return true;
    });
    await exporter.shutdown();
  });
});

function queueSettings() {
  return {
    queue: { queueSize: 8, numConsumers: 1, blockOnOverflow: true },
    retry: {
      enabled: true,
      initialIntervalMs: 100,
      maxIntervalMs: 500,
      multiplier: 1.5,
      randomizationFactor: 0,
      maxElapsedMs: 120_000,
    },
    batch: { minEvents: 0, maxEvents: 5000, flushTimeoutMs: 1 },
  };
}

describe('awss3 exporter when the server goes away', { concurrency: false }, () => {
  test('down at start: the batch is retried until the server answers, then delivered', async (t) => {
    if (!requirement(t, serviceMissing('s3'))) return;
    const server = await startS3();
    t.after(() => server.close());
    const exporterSettings = settings(server);
    await server.stop();
    const counters = new CounterRegistry();
    const ctx = context([], counters);
    const queued = new QueuedExporter(
      'awss3/test',
      new Awss3Exporter(exporterSettings, ctx),
      queueSettings(),
      counters,
      ctx.logger,
    );
    await queued.start();
    const results: DeliveryResult[] = [];
    const delivery = new Delivery((r) => results.push(r));
    await queued.enqueue(events(0, 100), delivery);
    delivery.seal();
    const failures = counters.counter('exporter_send_failed_attempts_total', { exporter: 'awss3/test' });
    await until('a failed attempt', () => (failures.value > 0 ? true : undefined), 10_000);
    assert.deepEqual(results, []);
    await server.start();
    await until('delivered', () => results[0], 30_000);
    assert.deepEqual(results, [{ exported: 100, dropped: 0 }]);
    const keys = await listKeys(server);
    assert.equal(keys.length, 1);
    assertExactlyOnce(seqsOf(keys[0]!, await getObject(server, keys[0]!)), 0, 100);
    await queued.shutdown();
  });

  test('killed and restarted 5 times mid-stream: every acknowledged event is stored once, no partial object', async (t) => {
    if (!requirement(t, serviceMissing('s3'))) return;
    const server = await startS3();
    t.after(() => server.close());
    const counters = new CounterRegistry();
    const ctx = context([], counters);
    // Big enough objects that some are in flight when the server dies.
    const exporter = new Awss3Exporter(settings(server, { marshaler: 'ndjson' }, { compression: 'gzip' }), ctx);
    const queued = new QueuedExporter('awss3/test', exporter, queueSettings(), counters, ctx.logger);
    await queued.start();
    const BATCH = 2000;
    const BATCHES = 60;
    const acknowledged: number[] = [];
    const producing = (async () => {
      for (let b = 0; b < BATCHES; b++) {
        const delivery = new Delivery((r) => {
          if (r.exported === BATCH) acknowledged.push(b);
        });
        await queued.enqueue(events(b * BATCH, BATCH), delivery);
        delivery.seal();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    for (let kill = 0; kill < 5; kill++) {
      await new Promise((r) => setTimeout(r, 250));
      await server.kill();
      await new Promise((r) => setTimeout(r, 300));
      await server.start();
    }
    await producing;
    await queued.shutdown();
    const failed = counters.counter('exporter_send_failed_attempts_total', { exporter: 'awss3/test' }).value;
    assert.ok(failed > 0, 'some uploads met a dead server');
    assert.equal(acknowledged.length, BATCHES, 'every batch delivered in the end');
    const keys = await listKeys(server);
    const seqs: number[] = [];
    for (const key of keys) seqs.push(...seqsOf(key, await getObject(server, key))); // a partial object would not decompress
    assertExactlyOnce(seqs, 0, BATCH * BATCHES);
    // What the gateway's directory holds is what it lists: no upload left half-written.
    assert.deepEqual(
      (await server.listObjects()).map((o) => o.key),
      keys,
    );
  });
});
