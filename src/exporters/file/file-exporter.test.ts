import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { syntheticBatch } from '../../testing/synthetic-capture.js';
import { RecordDecoder } from '../../events/decode.js';
import { toJsonLine } from '../../events/json.js';
import type { Event } from '../../events/model.js';
import { ExportError, type ExporterContext } from '../../pipeline/component.js';
import { ocsfJsonLine } from '../ocsf/ocsf-mapper.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { agentResource } from '../otel/resource.js';
import { CounterRegistry } from '../../telemetry/counters.js';
import { FileExporter, FileExporterError, fileExporter } from './file-exporter.js';

const CLOCK = 1_700_000_000_000_000_000n;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0, 0);

function context(dir: string): ExporterContext & { counters: CounterRegistry } {
  return {
    resource: agentResource(),
    id: 'file/test',
    logger: pino({ level: 'silent' }),
    counters: new CounterRegistry(),
    origin: () => ({ file: 'pipeline.yaml', line: 1, column: 1 }),
    baseDir: dir,
  };
}

/** Decoded synthetic events [first, first + count), on a host whose clock offset is CLOCK. */
function events(first: number, count: number): Event[] {
  const out: Event[] = [];
  new RecordDecoder(CLOCK).decodeBatch(syntheticBatch(first, count), out);
  return out;
}

function exporter(
  settings: Record<string, unknown>,
  now?: () => number,
): { e: FileExporter; dir: string; ctx: ReturnType<typeof context> } {
  const dir = mkdtempSync(join(tmpdir(), 'ebpipe-file-exporter-'));
  const ctx = context(dir);
  return { e: new FileExporter(fileExporter.settings.parse(settings), ctx, now), dir, ctx };
}

/** Every line of every file in the directory, oldest backup first, active file last. */
function allLines(dir: string, active: string): string[] {
  const backups = readdirSync(dir)
    .filter((n) => n !== active)
    .sort(); // UTC stamps sort by time
  return [...backups, active].flatMap((n) =>
    readFileSync(join(dir, n), 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  );
}

describe('file exporter', () => {
  test('writes one JSON line per event, in the shared JSON form with wall-clock time, before export() resolves', async () => {
    const { e, dir } = exporter({ path: 'out/events.ndjson' });
    await e.start();
    const batch = events(0, 5);
    await e.export(batch);
    const text = readFileSync(join(dir, 'out', 'events.ndjson'), 'utf8');
    assert.equal(text, batch.map((ev) => `${toJsonLine(ev)}\n`).join(''));
    const first = JSON.parse(text.split('\n')[0] ?? '') as Record<string, unknown>;
    assert.equal(first['kind'], 'process.exec');
    // ktime 5 s after boot on a host whose boot was CLOCK ns after the epoch.
    assert.equal(first['time'], '2023-11-14T22:13:25.000000000Z');
    await e.export([]);
    await e.shutdown();
    await e.shutdown();
    assert.equal(readFileSync(join(dir, 'out', 'events.ndjson'), 'utf8'), text);
  });

  test('format ocsf_json writes one OCSF event per line, the shared OCSF mapping of each event', async () => {
    const { e, dir, ctx } = exporter({ path: 'ocsf.ndjson', format: 'ocsf_json' });
    await e.start();
    const batch = events(0, 4);
    await e.export(batch);
    await e.shutdown();
    const records = new EventRecordMapper(ctx.resource).toRecords(batch);
    assert.equal(readFileSync(join(dir, 'ocsf.ndjson'), 'utf8'), records.map((r) => `${ocsfJsonLine(r)}\n`).join(''));
    const first = JSON.parse(readFileSync(join(dir, 'ocsf.ndjson'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    assert.deepEqual([first['class_uid'], first['activity_id'], first['type_uid']], [1007, 1, 100701]);
  });

  test('rotates by size (max_megabytes), keeps max_backups, never splits a line, loses nothing of what is kept', async () => {
    const { e, dir, ctx } = exporter(
      { path: 'events.json', rotation: { max_megabytes: 0.002, max_backups: 3 } },
      () => T0,
    );
    await e.start();
    const written: string[] = [];
    for (let b = 0; b < 12; b++) {
      const batch = events(b * 3, 3);
      written.push(...batch.map(toJsonLine));
      await e.export(batch);
    }
    await e.shutdown();
    const files = readdirSync(dir);
    assert.equal(files.length, 4, `active + 3 backups: ${files.join(' ')}`);
    for (const f of files) assert.ok(statSync(join(dir, f)).size <= 0.002 * 2 ** 20, `${f} within the limit`);
    const rotations = ctx.counters.total('file_rotations_total', { exporter: 'file/test', reason: 'size' });
    assert.ok(rotations > 3, `${rotations} rotations`);
    const kept = allLines(dir, 'events.json');
    assert.deepEqual(kept, written.slice(written.length - kept.length), 'the newest lines, whole and in order');
    assert.ok(
      files.every((f) => f === 'events.json' || /^events-2024-05-01T12-00-00\.\d{3}\.json$/.test(f)),
      files.join(' '),
    );
  });

  test('rotates by time (rotation.interval) with an injected clock', async () => {
    let now = T0;
    const { e, dir, ctx } = exporter({ path: 'e.ndjson', rotation: { interval: '1h', max_backups: 0 } }, () => now);
    await e.start();
    await e.export(events(0, 2));
    now = T0 + 3_600_000;
    await e.export(events(2, 2));
    await e.shutdown();
    assert.deepEqual(readdirSync(dir).sort(), ['e-2024-05-01T13-00-00.000.ndjson', 'e.ndjson']);
    assert.equal(
      readFileSync(join(dir, 'e-2024-05-01T13-00-00.000.ndjson'), 'utf8'),
      events(0, 2)
        .map((ev) => `${toJsonLine(ev)}\n`)
        .join(''),
    );
    assert.equal(
      readFileSync(join(dir, 'e.ndjson'), 'utf8'),
      events(2, 2)
        .map((ev) => `${toJsonLine(ev)}\n`)
        .join(''),
    );
    assert.equal(ctx.counters.total('file_rotations_total', { reason: 'time' }), 1);
  });

  test('a full disk is a retryable ExportError with a code, naming the file', async () => {
    const { e } = exporter({ path: '/dev/full' });
    await e.start();
    await assert.rejects(e.export(events(0, 1)), (err: unknown) => {
      assert.ok(err instanceof ExportError);
      assert.equal(err.code, 'FILE_NO_SPACE');
      assert.equal(err.permanent, false);
      assert.equal(err.message, 'writing /dev/full: no space left on device');
      return true;
    });
    await e.shutdown();
  });

  test('a directory that cannot be created stops start-up with the exporter, the directory and the cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpipe-file-exporter-'));
    writeFileSync(join(dir, 'not-a-dir'), '');
    const e = fileExporter.create(fileExporter.settings.parse({ path: 'not-a-dir/logs/events.ndjson' }), context(dir));
    await assert.rejects(e.start?.() ?? Promise.resolve(), (err: unknown) => {
      assert.ok(err instanceof FileExporterError);
      assert.equal(err.code, 'ENOTDIR');
      assert.equal(
        err.message,
        `exporter file/test: creating directory ${join(dir, 'not-a-dir', 'logs')}: not a directory`,
      );
      return true;
    });
  });

  test('export after shutdown is refused permanently', async () => {
    const { e } = exporter({ path: 'x.ndjson' });
    await e.start();
    await e.shutdown();
    await assert.rejects(
      e.export(events(0, 1)),
      (err: unknown) => err instanceof ExportError && err.code === 'FILE_CLOSED' && err.permanent,
    );
  });

  test('settings: Collector names and defaults, durations with units, unknown keys rejected', () => {
    const s = fileExporter.settings.parse({ path: 'a', rotation: {}, flush_interval: '250ms' });
    assert.equal(s.flush_interval, 250);
    assert.equal(s.format, 'json');
    assert.deepEqual(s.rotation, { max_megabytes: 100, max_backups: 100, localtime: false });
    assert.equal(fileExporter.settings.parse({ path: 'a' }).flush_interval, 1000);
    assert.equal(fileExporter.settings.safeParse({ path: 'a', rotation: { max_size: 1 } }).success, false);
    assert.equal(fileExporter.settings.safeParse({ path: 'a', format: 'proto' }).success, false);
    assert.equal(fileExporter.settings.safeParse({ path: 'a', rotation: { interval: 60 } }).success, false);
  });
});
