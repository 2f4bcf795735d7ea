import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { query } from 'chdb';
import { OcsfSchema } from '../../testing/ocsf-schema.js';
import { sampleEvents } from '../../testing/sample-events.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { agentResource } from '../otel/resource.js';
import type { OcsfEvent } from './ocsf-event.js';
import { ocsfEventOf } from './ocsf-mapper.js';
import { LONG_ATTRIBUTES, ocsfParquet } from './ocsf-parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'ebpipe-ocsf-parquet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const events = new EventRecordMapper(agentResource()).toRecords(sampleEvents()).map(ocsfEventOf);
const byClass = new Map<number, OcsfEvent[]>();
for (const e of events) byClass.set(e.class_uid, [...(byClass.get(e.class_uid) ?? []), e]);

/** Every leaf of the event that has a value, with its path (array elements by index). */
function leaves(value: unknown, path: string, out: [string, unknown][]): [string, unknown][] {
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  } else out.push([path, value]);
  return out;
}

function at(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) {
    const m = /^(.*?)((?:\[\d+\])*)$/.exec(part)!;
    v = (v as Record<string, unknown> | undefined)?.[m[1]!];
    for (const index of m[2]!.match(/\d+/g) ?? []) v = (v as unknown[] | undefined)?.[Number(index)];
  }
  return v;
}

/** The file read by another Parquet implementation: ClickHouse's (the embedded engine, chdb). */
function readBack(file: string): Record<string, unknown>[] {
  const text = query(
    `SELECT * FROM file('${file}', Parquet) SETTINGS output_format_json_quote_64bit_integers = 0`,
    'JSONEachRow',
  );
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('OCSF as Parquet', () => {
  it('writes each class to a file another reader decodes into the same OCSF values, nested columns and all', async () => {
    for (const [classUid, group] of byClass) {
      const file = join(dir, `${classUid}.parquet`);
      writeFileSync(file, await ocsfParquet(group));
      const rows = readBack(file);
      assert.equal(rows.length, group.length, `class ${classUid}`);
      group.forEach((event: OcsfEvent, i) => {
        const { unmapped, ...mapped } = event;
        for (const [path, value] of leaves(mapped, '', []))
          assert.deepEqual(at(rows[i], path), value, `class ${classUid} event ${i}: ${path}`);
        // `unmapped` is a map of strings, Security Lake's type for it: other values as JSON.
        const readUnmapped = rows[i]!['unmapped'] as Record<string, unknown>;
        for (const [key, value] of Object.entries(unmapped ?? {}))
          assert.equal(readUnmapped[key], typeof value === 'string' ? value : JSON.stringify(value), `unmapped ${key}`);
      });
    }
  });

  it('is zstd-compressed, with 64-bit columns exactly where OCSF has long_t or timestamp_t', async () => {
    const file = join(dir, 'process.parquet');
    writeFileSync(file, await ocsfParquet(byClass.get(1007)!));
    const codecs = query(
      `SELECT DISTINCT arrayJoin(arrayMap(c -> c.compression, columns)) FROM file('${file}', ParquetMetadata)`,
      'TSV',
    ).trim();
    assert.equal(codecs, 'ZSTD');
    const types = query(`DESCRIBE file('${file}', Parquet)`, 'TSV');
    assert.match(types, /^time\tNullable\(Int64\)/m);
    assert.match(types, /^class_uid\tNullable\(Int32\)/m);
    const longs = OcsfSchema.load().attributeNamesOfType(['long_t']);
    const numeric = new Set(
      events.flatMap((e) =>
        leaves(e, '', [])
          .filter(([p, v]) => typeof v === 'number' && !p.startsWith('unmapped.'))
          .map(([p]) =>
            p
              .split('.')
              .at(-1)!
              .replace(/\[\d+\]/g, ''),
          ),
      ),
    );
    assert.deepEqual(
      [...numeric].filter((n) => longs.has(n) !== LONG_ATTRIBUTES.has(n)),
      [],
      'LONG_ATTRIBUTES differs from the schema for attributes ebpipe writes',
    );
    assert.ok(numeric.has('time') && numeric.has('bytes_in'));
  });
});
