import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api';
import { RecordDecoder } from '../../events/decode.js';
import { encodeExec, frameBatch } from '../../events/encode.js';
import type { Event } from '../../events/model.js';
import { sampleEvents } from '../../testing/sample-events.js';
import { logRowOf } from '../clickhouse/log-row.js';
import { EBPIPE_SCOPE, EventRecordMapper, hrTimeNanosText } from './event-record.js';
import { agentResource } from './resource.js';

const resource = agentResource({ 'deployment.environment.name': 'test', 'host.name': null });
const mapper = new EventRecordMapper(resource);

function decodedExec(): Event {
  const decoder = new RecordDecoder(1_700_000_000_999_999_999n);
  decoder.bootId = 'b00t';
  decoder.observedNs = 1_700_000_005_000_000_001n;
  const events: Event[] = [];
  decoder.decodeBatch(
    frameBatch([
      encodeExec({
        ktime: 2_000_000_123,
        cpu: 3,
        seq: 77,
        task: { tgid: 42, pid: 43, startNs: 7 },
        parent: { tgid: 1, pid: 1, startNs: 1 },
        creds: { uid: 1000, gid: 100, euid: 0, egid: 0, capEffective: 0x1fn, capPermitted: 0n },
        ns: { mnt: 1, pid: 1, net: 1, uts: 1, ipc: 1, user: 1, cgroup: 1 },
        cgroupId: 9,
        flags: 0,
        comm: 'curl',
        filename: '/usr/bin/curl',
        argv: ['curl', 'https://example.com'],
        cwd: '/tmp',
      }),
    ]),
    events,
  );
  return events[0]!;
}

describe('EventRecordMapper', () => {
  it('maps a decoded exec to a record with typed attributes and exact wall-clock nanoseconds', () => {
    const record = mapper.toRecord(decodedExec());
    // 1_700_000_000_999_999_999 + 2_000_000_123: the nanoseconds carry into the seconds.
    assert.deepEqual(record.hrTime, [1_700_000_003, 122]);
    assert.equal(hrTimeNanosText(record.hrTime), '1700000003000000122');
    assert.deepEqual(record.hrTimeObserved, [1_700_000_005, 1]);
    assert.equal(record.eventName, 'process.exec');
    assert.equal(record.body, 'exec /usr/bin/curl https://example.com');
    assert.equal(record.severityNumber, SeverityNumber.INFO);
    assert.equal(record.severityText, 'INFO');
    assert.equal(record.resource, resource);
    assert.equal(record.instrumentationScope, EBPIPE_SCOPE);
    assert.equal(record.attributes['process.pid'], 42);
    assert.equal(record.attributes['ebpipe.tid'], 43);
    assert.deepEqual(record.attributes['process.command_args'], ['curl', 'https://example.com']);
    assert.equal(record.attributes['process.executable.name'], 'curl');
    // process.user.id is the effective uid, as the conventions define it.
    assert.equal(record.attributes['process.user.id'], 0);
    assert.equal(record.attributes['process.real_user.id'], 1000);
    assert.equal(record.attributes['ebpipe.capabilities.effective'], '0x1f');
    assert.equal(record.attributes['ebpipe.seq'], 77);
    assert.equal(record.attributes['ebpipe.cpu'], 3);
    assert.equal(record.attributes['ebpipe.boot_id'], 'b00t');
    assert.equal(record.attributes['ebpipe.argv_truncated'], undefined);
  });

  it('takes the resource from the agent, with the pipeline file adding and removing attributes', () => {
    const attributes = resource.attributes;
    assert.equal(attributes['service.name'], 'ebpipe');
    assert.equal(attributes['os.type'], 'linux');
    assert.equal(attributes['deployment.environment.name'], 'test');
    assert.equal(attributes['host.name'], undefined);
    assert.match(String(attributes['service.instance.id']), /^[0-9a-f-]{36}$/);
    assert.equal(agentResource().attributes['service.instance.id'], attributes['service.instance.id']);
  });

  it('ranks enforcement over matches over observations', () => {
    const bySeverity = new Map<string, string[]>();
    for (const event of sampleEvents()) {
      const r = mapper.toRecord(event);
      const label = event.kind === 'policy.match' ? `${event.kind}:${event.actions.join('+')}` : event.kind;
      bySeverity.set(r.severityText, [...(bySeverity.get(r.severityText) ?? []), label]);
    }
    assert.deepEqual(bySeverity.get('ERROR'), ['policy.match:post+sigkill']);
    assert.deepEqual(bySeverity.get('WARN'), [
      'credentials.change',
      'module.load',
      'policy.match:post',
      'policy.audit',
    ]);
  });

  it('the otel_logs row is the record, its values as the store encodes them into the text maps', () => {
    const row = logRowOf(mapper.toRecord(decodedExec()));
    assert.equal(row.timestampNs, 1_700_000_003_000_000_122n);
    assert.equal(row.serviceName, 'ebpipe');
    assert.equal(row.scopeName, 'ebpipe');
    assert.equal(row.logAttributes['process.pid'], 42);
    assert.deepEqual(row.logAttributes['process.command_args'], ['curl', 'https://example.com']);
    assert.equal(row.resourceAttributes['deployment.environment.name'], 'test');
    const fork = logRowOf(mapper.toRecord(sampleEvents().find((e) => e.kind === 'process.fork')!));
    assert.equal(fork.logAttributes['ebpipe.ancestors.exec_ids'], undefined);
    assert.equal(fork.logAttributes['k8s.pod.label.app'], 'web');
    assert.equal(fork.logAttributes['k8s.deployment.name'], 'web');
  });
});
