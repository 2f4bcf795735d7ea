import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleEvents } from '../../testing/sample-events.js';
import { EventRecordMapper, hrTimeNanosText } from '../otel/event-record.js';
import { agentResource } from '../otel/resource.js';
import { epochSecondsText, HecEventEncoder, INDEXED_ATTRIBUTES } from './hec-event.js';

const resource = agentResource({ 'host.name': 'node-7' });
const mapper = new EventRecordMapper(resource);
const settings = { source: 'ebpipe', sourcetype: 'ebpipe:event', index: 'security' };

describe('HecEventEncoder', () => {
  it('writes the kernel time as epoch seconds with its nine exact sub-second digits', () => {
    assert.equal(epochSecondsText([1_700_000_002, 123]), '1700000002.000000123');
    assert.equal(epochSecondsText([1_700_000_002, 999_999_999]), '1700000002.999999999');
  });

  it('writes every kind as one HEC event: envelope, the record as event, flat indexed fields', () => {
    const encoder = new HecEventEncoder(resource, settings);
    const kinds = new Set<string>();
    for (const event of sampleEvents()) {
      const record = mapper.toRecord(event);
      const text = encoder.encode(record);
      assert.ok(!text.includes('\n'), 'one line');
      assert.match(text, new RegExp(`^\\{"time":${epochSecondsText(record.hrTime).replace('.', '\\.')},`));
      const hec = JSON.parse(text) as Record<string, unknown> & {
        event: Record<string, unknown>;
        fields: Record<string, unknown>;
      };
      kinds.add(record.eventName);
      assert.equal(hec['host'], 'node-7');
      assert.equal(hec['source'], 'ebpipe');
      assert.equal(hec['sourcetype'], 'ebpipe:event');
      assert.equal(hec['index'], 'security');
      assert.deepEqual(hec.event, {
        eventName: record.eventName,
        timeUnixNano: hrTimeNanosText(record.hrTime),
        observedTimeUnixNano: hrTimeNanosText(record.hrTimeObserved),
        severityNumber: record.severityNumber,
        severityText: record.severityText,
        body: record.body,
        attributes: record.attributes,
        resource: resource.attributes,
      });
      const expected: Record<string, unknown> = {
        'event.name': record.eventName,
        'otel.log.severity.text': record.severityText,
        'otel.log.severity.number': record.severityNumber,
      };
      for (const key of INDEXED_ATTRIBUTES) {
        if (record.attributes[key] !== undefined) expected[key] = record.attributes[key];
      }
      assert.deepEqual(hec.fields, expected);
      for (const value of Object.values(hec.fields)) {
        assert.ok(typeof value !== 'object' || (Array.isArray(value) && value.every((v) => typeof v !== 'object')));
      }
    }
    assert.ok(kinds.size >= 15, `every kind: ${[...kinds].join(', ')}`);
  });

  it('carries who, where and what a policy did in the fields of the kinds that have them', () => {
    const encoder = new HecEventEncoder(resource, settings);
    const byKind = new Map(
      sampleEvents().map((e) => {
        const hec = JSON.parse(encoder.encode(mapper.toRecord(e))) as { fields: Record<string, unknown> };
        return [e.kind, hec.fields];
      }),
    );
    assert.deepEqual(byKind.get('process.exec'), {
      'event.name': 'process.exec',
      'otel.log.severity.text': 'INFO',
      'otel.log.severity.number': 9,
      'ebpipe.exec_id': 'aG9zdDo0MjQyOjEwMDA',
      'process.pid': 4242,
      'process.executable.path': '/usr/bin/curl',
      'process.real_user.name': 'alice',
      'process.user.id': 0,
      'container.id': 'c0ffee',
      'k8s.pod.name': 'web-7d4b9c-x2x',
      'k8s.namespace.name': 'shop',
    });
    const match = byKind.get('policy.match');
    assert.equal(typeof match?.['ebpipe.policy.name'], 'string');
    assert.ok(Array.isArray(match?.['ebpipe.policy.actions']));
    assert.equal(match?.['otel.log.severity.text'] === 'WARN' || match?.['otel.log.severity.text'] === 'ERROR', true);
    assert.equal(typeof byKind.get('policy.audit')?.['ebpipe.policy.audit.action'], 'string');
  });

  it('leaves source and index out when empty, and says unknown for a host it does not know', () => {
    const encoder = new HecEventEncoder(agentResource({ 'host.name': null }), {
      source: '',
      sourcetype: 'x',
      index: '',
    });
    const hec = JSON.parse(encoder.encode(mapper.toRecord(sampleEvents()[0]!))) as Record<string, unknown>;
    assert.equal(hec['host'], 'unknown');
    assert.equal(hec['sourcetype'], 'x');
    assert.ok(!('source' in hec) && !('index' in hec));
  });
});
