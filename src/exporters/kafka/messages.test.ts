import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Event } from '../../events/model.js';
import { numberedEvents } from '../../testing/sample-events.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { agentResource } from '../otel/resource.js';
import type { KafkaEncoding, MessageKeyChoice } from './config.js';
import { valueEncoding } from './encodings.js';
import { MessageBuilder } from './messages.js';

const resource = agentResource({ 'host.name': 'node-17' });
const mapper = new EventRecordMapper(resource);

function build(
  events: Event[],
  opts: { encoding?: KafkaEncoding; key?: MessageKeyChoice; byResource?: boolean; maxBytes?: number } = {},
) {
  const builder = new MessageBuilder(
    valueEncoding(opts.encoding ?? 'otlp_json'),
    { messageKey: opts.key ?? 'none', byResourceAttributes: opts.byResource ?? false },
    resource,
    opts.maxBytes ?? 1_000_000,
  );
  return builder.build(mapper.toRecords(events));
}

interface OtlpJson {
  resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { intValue?: string } }[] }[] }[] }[];
}

/** The ebpipe.seq of every record in an otlp_json message, in order. */
function seqsOf(value: Buffer): number[] {
  const request = JSON.parse(value.toString()) as OtlpJson;
  return request.resourceLogs.flatMap((r) =>
    r.scopeLogs.flatMap((s) =>
      s.logRecords.map((l) => Number(l.attributes.find((a) => a.key === 'ebpipe.seq')?.value.intValue)),
    ),
  );
}

describe('kafka messages', () => {
  it('put a batch in one OTLP request with no key by default', () => {
    const { messages, oversize } = build(numberedEvents(100));
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.key, null);
    assert.deepEqual(seqsOf(messages[0].value), [...Array(100).keys()]);
    assert.equal(oversize, 0);
  });

  it('split a request over max_message_bytes at record boundaries, in order', () => {
    const one = build(numberedEvents(1)).messages[0]!.value.length;
    const maxBytes = one * 7;
    const { messages, oversize } = build(numberedEvents(100), { maxBytes });
    assert.ok(messages.length >= 10, `${messages.length} messages`);
    for (const m of messages) assert.ok(m.value.length <= maxBytes, `${m.value.length} > ${maxBytes}`);
    assert.deepEqual(
      messages.flatMap((m) => seqsOf(m.value)),
      [...Array(100).keys()],
    );
    assert.equal(oversize, 0);
  });

  it('leave out and count a record that alone is over max_message_bytes', () => {
    const events = numberedEvents(5);
    const big = events[2] as Event & { process: { argv: string[] } };
    big.process = { ...big.process, argv: ['sh', '-c', 'x'.repeat(8000)] };
    for (const encoding of ['otlp_json', 'otlp_proto', 'json'] as const) {
      const built = build(events, { encoding, maxBytes: 4096 });
      assert.equal(built.oversize, 1, encoding);
      assert.ok(built.largestOversize > 8000, encoding);
      if (encoding === 'otlp_json')
        assert.deepEqual(
          built.messages.flatMap((m) => seqsOf(m.value)),
          [0, 1, 3, 4],
        );
      if (encoding === 'json') assert.equal(built.messages.length, 4);
    }
  });

  it('key by exec id: one request per process, each in order', () => {
    const { messages } = build(numberedEvents(12, 3), { key: 'ebpipe.exec_id' });
    assert.deepEqual(
      messages.map((m) => [m.key, seqsOf(m.value)]),
      [
        ['proc-0', [0, 3, 6, 9]],
        ['proc-1', [1, 4, 7, 10]],
        ['proc-2', [2, 5, 8, 11]],
      ],
    );
  });

  it('key by host name, or by a hash of the resource', () => {
    assert.equal(build(numberedEvents(3), { key: 'host.name' }).messages[0]?.key, 'node-17');
    const hashed = build(numberedEvents(3), { byResource: true, encoding: 'json' }).messages;
    assert.equal(hashed.length, 3);
    assert.match(hashed[0]?.key ?? '', /^[0-9a-f]{32}$/);
    assert.ok(hashed.every((m) => m.key === hashed[0]?.key));
  });

  it('json: one event a message, the typed record with its resource', () => {
    const { messages } = build(numberedEvents(2, 2), { encoding: 'json', key: 'ebpipe.exec_id' });
    assert.deepEqual(
      messages.map((m) => m.key),
      ['proc-0', 'proc-1'],
    );
    const event = JSON.parse(messages[1]!.value.toString()) as Record<string, unknown>;
    const attributes = event['attributes'] as Record<string, unknown>;
    assert.equal(event['event_name'], 'process.exit');
    assert.equal(event['severity_text'], 'INFO');
    assert.equal(attributes['ebpipe.seq'], 1);
    assert.equal(attributes['ebpipe.exec_id'], 'proc-1');
    assert.equal((event['resource'] as Record<string, unknown>)['host.name'], 'node-17');
    assert.match(String(event['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.match(String(event['time_unix_nano']), /^\d{19}$/);
    assert.equal(new Date(String(event['timestamp'])).getTime(), Math.floor(Number(event['time_unix_nano']) / 1e6));
  });
});
