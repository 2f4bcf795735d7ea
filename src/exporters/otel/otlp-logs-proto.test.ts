import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { sampleEvents } from '../../testing/sample-events.js';
import { EventRecordMapper } from './event-record.js';
import type { EventLogRecord } from './log-record.js';
import { OtlpLogsProtoWriter } from './otlp-logs-proto.js';
import { agentResource } from './resource.js';

const reference = (records: EventLogRecord[]) => Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);

describe('OtlpLogsProtoWriter', () => {
  const writer = new OtlpLogsProtoWriter();

  it('writes the bytes the OpenTelemetry serializer writes, for a record of every kind', () => {
    const records = new EventRecordMapper(agentResource()).toRecords(sampleEvents());
    assert.ok(Buffer.from(writer.encode(records)).equals(reference(records)));
    for (const r of records) assert.ok(Buffer.from(writer.encode([r])).equals(reference([r])), r.eventName);
  });

  it('keeps multi-byte text, negative and large ints, doubles, empty strings and long values byte-exact', () => {
    const mapper = new EventRecordMapper(agentResource({ 'host.name': 'hôst-ünïcode-✓' }));
    const [base] = mapper.toRecords(sampleEvents().slice(0, 1));
    const odd: EventLogRecord = {
      ...base!,
      hrTime: [4_294_967_295, 999_999_999],
      body: 'body with é, 漢字 and 🚀 and a NUL \u0000',
      attributes: {
        negative: -13,
        'min.safe': Number.MIN_SAFE_INTEGER,
        'max.safe': Number.MAX_SAFE_INTEGER,
        fraction: 0.25,
        bool: false,
        empty: '',
        long: 'x'.repeat(70_000),
        'ünïcode.key': ['a', 'ß', '漢'],
        ints: [0, -1, 2 ** 40],
      },
    };
    assert.ok(Buffer.from(writer.encode([odd, base!])).equals(reference([odd, base!])));
  });

  it('groups records by resource and scope in the order they first appear', () => {
    const a = new EventRecordMapper(agentResource({ which: 'a' })).toRecords(sampleEvents().slice(0, 3));
    const b = new EventRecordMapper(agentResource({ which: 'b' })).toRecords(sampleEvents().slice(3, 6));
    const mixed = [a[0]!, b[0]!, a[1]!, b[1]!, b[2]!, a[2]!];
    assert.ok(Buffer.from(writer.encode(mixed)).equals(reference(mixed)));
  });

  it('returns bytes of its own: a later request never changes an earlier one', () => {
    const records = new EventRecordMapper(agentResource()).toRecords(sampleEvents());
    const first = writer.encode(records.slice(0, 5));
    const copy = Buffer.from(first);
    writer.encode(records.slice(5));
    assert.ok(Buffer.from(first).equals(copy));
  });
});
