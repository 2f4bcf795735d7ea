import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../common/paths.js';
import type { EventKind } from '../../events/model.js';
import { OcsfSchema } from '../../testing/ocsf-schema.js';
import { sampleEvents } from '../../testing/sample-events.js';
import { EVENT_KINDS } from '../otel/event-attributes.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { agentResource } from '../otel/resource.js';
import { renderOcsfMapping } from './mapping-doc.js';
import { OCSF_CLASSES, OCSF_VERSION } from './ocsf-classes.js';
import type { OcsfObject } from './ocsf-event.js';
import { ocsfClassOf, ocsfEventOf, ocsfJsonLine } from './ocsf-mapper.js';
import { UNFILLED, unfilledEntry } from './ocsf-unfilled.js';

type Json = Record<string, unknown>;

const schema = OcsfSchema.load();
const resource = agentResource({ 'k8s.cluster.name': 'prod' });
const records = new EventRecordMapper(resource).toRecords(sampleEvents());
/** As a consumer reads them: the JSON line parsed. */
const events = records.map((r) => JSON.parse(ocsfJsonLine(r)) as Json);

function only(kind: EventKind, index = 0): OcsfObject {
  const found = records.map((r, i) => [r, events[i]!] as const).filter(([r]) => r.eventName === kind);
  const event = found[index]?.[1];
  assert.ok(event, `a sample ${kind} #${index}`);
  return event as OcsfObject;
}

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);

describe('OCSF mapping', () => {
  it('names the release the tests check against, with its classes and categories', () => {
    assert.equal(OCSF_VERSION, schema.version);
    for (const c of OCSF_CLASSES) {
      const found = schema.classNamed(c.name);
      assert.ok(found, c.name);
      assert.equal(found.uid, c.uid, c.name);
      assert.equal(found.category_uid, c.categoryUid, c.name);
      assert.equal(found.caption, c.caption, c.name);
    }
  });

  it('has a sample of every kind, each a valid event of its class: attributes, types, enums, every required one', () => {
    assert.deepEqual(new Set(records.map((r) => r.eventName)), new Set(EVENT_KINDS));
    const problems = events.flatMap((e, i) => schema.problems(e).map((p) => `${records[i]!.eventName}: ${p}`));
    assert.deepEqual(problems, []);
  });

  it('fills every recommended attribute but those MAPPING.md lists as left out, and each of those is left out somewhere', () => {
    const used = new Set<unknown>();
    const undocumented: string[] = [];
    events.forEach((e, i) => {
      const name = schema.classByUid(Number(e['class_uid']))![0];
      for (const path of schema.missingRecommended(e)) {
        const entry = unfilledEntry(name, path);
        if (entry) used.add(entry);
        else undocumented.push(`${records[i]!.eventName} (${name}): ${path}`);
      }
    });
    assert.deepEqual(undocumented, []);
    assert.deepEqual(
      UNFILLED.filter((u) => !used.has(u)).map((u) => u.paths),
      [],
      'entries no sample leaves out',
    );
  });

  it('carries the base fields on every event: ids, type_uid, severity, time, metadata, device, actor, observables', () => {
    records.forEach((record, i) => {
      const e = events[i]!;
      const kind = record.eventName as EventKind;
      const at = `${kind} #${i}`;
      assert.equal(schema.classByUid(Number(e['class_uid']))?.[0], ocsfClassOf(kind), at);
      assert.equal(e['type_uid'], (e['class_uid'] as number) * 100 + (e['activity_id'] as number), at);
      const activities = schema.classNamed(ocsfClassOf(kind))!.attributes['activity_id']!.enum!;
      if (e['activity_id'] !== 99) assert.equal(e['activity_name'], activities[String(e['activity_id'])], at);
      assert.equal(e['time'], record.hrTime[0] * 1000 + Math.floor(record.hrTime[1] / 1e6), at);
      assert.equal(get(e, 'metadata.version'), OCSF_VERSION, at);
      assert.equal(get(e, 'metadata.product.name'), 'ebpipe', at);
      assert.match(String(get(e, 'metadata.uid')), /^[0-9a-f-]+-1-\d+$/, at);
      assert.equal(get(e, 'device.hostname'), resource.attributes['host.name'], at);
      assert.equal(get(e, 'message'), record.body, at);
      assert.ok((e['observables'] as unknown[]).length > 0, at);
      assert.equal(get(e, 'unmapped.resource.k8s.cluster.name'), undefined, 'resource keys keep their dots');
      assert.equal((e['unmapped'] as Record<string, unknown>)['resource.k8s.cluster.name'], 'prod', at);
      if (kind !== 'network.close') {
        assert.equal(typeof get(e, 'actor.process.pid'), 'number', at);
        // A finding's actor is the user whose rights the process used: the effective uid.
        assert.equal(get(e, 'actor.user.uid'), kind === 'policy.match' ? '0' : '1000', at);
      }
    });
    assert.equal(new Set(events.map((e) => get(e, 'metadata.uid'))).size, events.length, 'event uids are unique');
    assert.deepEqual(ocsfEventOf(records[0]!).metadata['uid'], get(events[0], 'metadata.uid'), 'the same on a retry');
  });

  it('maps severity: INFO Informational, WARN Medium, ERROR (enforcement) High', () => {
    assert.equal(only('process.exec')['severity_id'], 1);
    assert.equal(only('credentials.change')['severity_id'], 3);
    assert.equal(only('policy.match')['severity_id'], 4);
    assert.equal(only('policy.match', 1)['severity_id'], 3);
  });

  it('process activity: exec and fork launch (with the parent as actor), exit terminates, setresuid sets the user id', () => {
    const exec = only('process.exec');
    assert.deepEqual([exec['activity_id'], exec['launch_type']], [1, 'Exec']);
    assert.equal(get(exec, 'process.cmd_line'), 'curl -s https://example.com');
    assert.equal(get(exec, 'process.file.path'), '/usr/bin/curl');
    assert.equal(get(exec, 'process.uid'), 'aG9zdDo0MjQyOjEwMDA');
    assert.equal(get(exec, 'process.parent_process.file.path'), '/bin/bash');
    assert.equal(get(exec, 'actor.process.pid'), 10);
    assert.equal(get(exec, 'process.container.uid'), 'c0ffee');
    assert.equal(get(exec, 'process.container.orchestrator'), 'Kubernetes');
    assert.deepEqual(get(exec, 'metadata.profiles'), ['host', 'container']);
    assert.equal(get(exec, 'unmapped.ebpipe.namespace.mnt'), undefined, 'unmapped keys are the record names, flat');
    assert.equal((exec['unmapped'] as Record<string, unknown>)['ebpipe.namespace.mnt'], 4026531841);
    assert.equal((exec['unmapped'] as Record<string, unknown>)['process.user.id'], 0, 'the effective uid is kept');
    assert.deepEqual([only('process.fork')['activity_id'], only('process.fork')['launch_type']], [1, 'Fork']);
    const killed = only('process.exit');
    assert.equal(killed['activity_id'], 2);
    assert.equal(killed['exit_code'], undefined);
    assert.equal(killed['status_detail'], 'killed by signal 9');
    assert.equal(only('process.exit', 1)['exit_code'], 3);
    const setuid = only('credentials.change');
    assert.deepEqual([setuid['activity_id'], setuid['activity_name']], [5, 'Set User ID']);
    assert.equal(get(setuid, 'actor.user.uid'), '1000');
    assert.equal(get(setuid, 'process.user.uid'), '0');
    assert.equal(get(setuid, 'process.user.type'), 'Admin');
    const refused = only('credentials.change', 1);
    assert.deepEqual([refused['status_id'], refused['status_code']], [2, 'EPERM']);
  });

  it('file system activity: open, delete, rename, set attributes (mode), set security (owner), with the outcome', () => {
    const open = only('file.open');
    assert.deepEqual([open['activity_id'], open['activity_name']], [14, 'Open']);
    assert.deepEqual(
      [get(open, 'file.path'), get(open, 'file.name'), get(open, 'file.uid')],
      ['/etc/shadow', 'shadow', '131075'],
    );
    assert.deepEqual(
      [open['status_id'], open['status_code'], open['status_detail']],
      [2, 'EACCES', 'openat returned -13'],
    );
    assert.equal(open['access_mask'], 0o100101);
    assert.equal(only('file.unlink')['activity_id'], 4);
    assert.equal(get(only('file.unlink', 1), 'file.path'), undefined, 'a relative name has no path');
    assert.equal(get(only('file.unlink', 1), 'file.name'), 'gone');
    const rename = only('file.rename');
    assert.deepEqual(
      [rename['activity_id'], get(rename, 'file.path'), get(rename, 'file_result.path')],
      [5, '/tmp/a', '/tmp/b'],
    );
    const chmod = only('file.chmod');
    assert.deepEqual([chmod['activity_id'], get(chmod, 'file_result.attributes')], [6, 0o4755]);
    const chown = only('file.chown');
    assert.deepEqual([chown['activity_id'], get(chown, 'file_result.owner.uid')], [7, '0']);
  });

  it('network activity: endpoints by direction, connection info, Refuse/Fail/Reset from the outcome', () => {
    const connect = only('network.connect');
    assert.equal(connect['activity_id'], 1, 'EINPROGRESS is a connection opening');
    assert.deepEqual(get(connect, 'src_endpoint'), { ip: '10.0.0.2', port: 40000 });
    assert.deepEqual(get(connect, 'dst_endpoint'), { ip: '93.184.216.34', port: 443 });
    assert.deepEqual(
      [
        get(connect, 'connection_info.protocol_num'),
        get(connect, 'connection_info.direction_id'),
        get(connect, 'connection_info.boundary'),
      ],
      [6, 2, 'External'],
    );
    const accept = only('network.accept');
    assert.deepEqual(
      [accept['activity_id'], get(accept, 'src_endpoint.ip'), get(accept, 'connection_info.direction_id')],
      [4, '93.184.216.34', 1],
    );
    const close = only('network.close');
    assert.deepEqual(
      [close['activity_id'], get(close, 'traffic.bytes_out'), get(close, 'traffic.bytes_in')],
      [3, 1200, 5400],
    );
    assert.deepEqual(close['actor'], {}, 'an unknown owner is no actor');
    assert.equal(only('network.listen')['activity_id'], 7);
    assert.deepEqual([only('network.bind')['activity_id'], only('network.bind')['activity_name']], [99, 'Bind']);
    const udp = only('network.udp_send');
    assert.deepEqual(
      [udp['activity_id'], get(udp, 'connection_info.protocol_ver_id'), get(udp, 'connection_info.boundary')],
      [6, 6, 'Internal'],
    );
  });

  it('kernel extension activity: load and unload name the driver', () => {
    const load = only('module.load');
    assert.deepEqual(
      [load['activity_id'], get(load, 'driver.file.name'), get(load, 'driver.file.path')],
      [1, 'dummy', '/lib/modules/dummy.ko'],
    );
    assert.equal(get(only('module.load', 1), 'driver.file.name'), 'unknown', 'a failed init_module read no name');
    assert.deepEqual(
      [only('module.unload')['activity_id'], get(only('module.unload'), 'driver.file.name')],
      [2, 'dummy'],
    );
  });

  it('detection finding: the policy, the action taken, the process and the file or peer as evidence', () => {
    const kill = only('policy.match');
    assert.deepEqual([kill['class_uid'], kill['activity_id']], [2004, 1]);
    assert.equal(get(kill, 'finding_info.analytic.name'), 'no-shadow');
    assert.equal(get(kill, 'policy.uid'), '3');
    assert.deepEqual([kill['action'], kill['disposition_id'], kill['is_alert']], ['Killed', 7, true]);
    const evidence = (kill['evidences'] as OcsfObject[])[0];
    assert.equal(get(evidence, 'file.path'), '/etc/shadow');
    assert.equal(get(evidence, 'process.pid'), 4242);
    assert.deepEqual(get(kill, 'metadata.profiles'), ['host', 'container', 'security_control']);
    const watch = only('policy.match', 1);
    assert.deepEqual([watch['action_id'], watch['disposition']], [3, 'Detected']);
    assert.equal(get((watch['evidences'] as OcsfObject[])[0], 'dst_endpoint.ip'), '93.184.216.34');
    const summary = only('policy.summary');
    assert.deepEqual([summary['count'], summary['disposition'], summary['is_alert']], [17, 'Count', false]);
    assert.ok((summary['end_time'] as number) - (summary['start_time'] as number) === 900);
  });

  it('what no class describes is a Base Event, its own activity named', () => {
    const audit = only('policy.audit');
    assert.deepEqual(
      [audit['class_uid'], audit['activity_id'], audit['activity_name'], audit['type_uid']],
      [0, 99, 'Policy replace', 99],
    );
    assert.deepEqual([audit['status_id'], audit['status_detail']], [2, 'spec.kprobes[0]: unknown hook']);
  });

  it('MAPPING.md is the table the code renders (make generate writes it)', () => {
    const committed = readFileSync(join(projectRoot, 'src', 'exporters', 'ocsf', 'MAPPING.md'), 'utf8');
    assert.equal(committed, renderOcsfMapping(), 'src/exporters/ocsf/MAPPING.md is stale: run `make generate`');
  });
});
