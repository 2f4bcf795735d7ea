// The typed log record (exporters/otel) -> one OCSF event: the class and activity of its kind
// (ocsf-kinds.ts) plus the base fields every event carries: classification ids and names,
// type_uid, severity, time, metadata (product, version, the event's uid, profiles), device,
// actor, observables, status, message, and what OCSF has no place for under `unmapped`.
// The one entry point for every exporter that writes OCSF (file, awss3, kafka, splunk_hec).
import { hrTimeNanosText } from '../otel/event-record.js';
import type { EventKind } from '../../events/model.js';
import type { EventLogRecord } from '../otel/log-record.js';
import { AttributeReader } from './attribute-reader.js';
import { BASE_EVENT, OCSF_VERSION, severityOf } from './ocsf-classes.js';
import type { OcsfEvent, OcsfObject, OcsfValue } from './ocsf-event.js';
import { KINDS, type KindMapping } from './ocsf-kinds.js';
import { hostContext, ProcessObjects } from './ocsf-objects.js';

/** Attribute paths worth an observable, with the OCSF observable type_id of each. */
const OBSERVABLES: readonly (readonly [path: string, typeId: number, type: string])[] = [
  ['device.hostname', 1, 'Hostname'],
  ['actor.user.name', 4, 'User Name'],
  ['actor.process.name', 9, 'Process Name'],
  ['process.name', 9, 'Process Name'],
  ['process.cmd_line', 13, 'Command Line'],
  ['process.user.name', 4, 'User Name'],
  ['file.path', 45, 'File Path'],
  ['file.name', 7, 'File Name'],
  ['file_result.path', 45, 'File Path'],
  ['driver.file.name', 7, 'File Name'],
  ['driver.file.path', 45, 'File Path'],
  ['src_endpoint.ip', 2, 'IP Address'],
  ['src_endpoint.port', 11, 'Port'],
  ['dst_endpoint.ip', 2, 'IP Address'],
  ['dst_endpoint.port', 11, 'Port'],
];
const SPLIT_OBSERVABLES = OBSERVABLES.map(([path, typeId, type]) => [path, path.split('.'), typeId, type] as const);

function valueAt(event: OcsfObject, path: readonly string[]): OcsfValue {
  let v: OcsfValue = event;
  for (const key of path) {
    if (v === undefined || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as OcsfObject)[key];
  }
  return v;
}

function observablesOf(event: OcsfObject): OcsfObject[] {
  const out: OcsfObject[] = [];
  for (const [name, path, typeId, type] of SPLIT_OBSERVABLES) {
    const value = valueAt(event, path);
    if (typeof value === 'string' || typeof value === 'number')
      out.push({ name, type_id: typeId, type, value: String(value) });
  }
  return out;
}

/** Unique per record on its host and boot (the kernel's per-CPU sequence), the same on a retry. */
function eventUid(r: AttributeReader, fallback: string, record: EventLogRecord): string {
  const boot = r.str('ebpipe.boot_id');
  const cpu = r.int('ebpipe.cpu');
  const seq = r.int('ebpipe.seq');
  if (cpu === undefined || seq === undefined) return `${fallback}-${hrTimeNanosText(record.hrTime)}`;
  return `${boot ?? fallback}-${cpu}-${seq}`;
}

const msOf = (time: readonly [number, number]): number => time[0] * 1000 + Math.floor(time[1] / 1_000_000);

function kindOf(record: EventLogRecord): KindMapping | undefined {
  return (KINDS as Readonly<Record<string, KindMapping>>)[record.eventName];
}

/** The OCSF class an event kind maps to (ocsf-classes.ts names). */
export function ocsfClassOf(kind: EventKind): string {
  return KINDS[kind].ocsfClass.name;
}

/** The record as one OCSF event (OCSF_VERSION). A kind ebpipe does not know becomes a Base Event. */
export function ocsfEventOf(record: EventLogRecord): OcsfEvent {
  const host = hostContext(record.resource);
  const r = new AttributeReader(record.attributes);
  const time = msOf(record.hrTime);
  const uid = eventUid(r, host.hostUid, record);
  const p = new ProcessObjects(r, host, time);
  const kind = kindOf(record);
  const cls = kind?.ocsfClass ?? BASE_EVENT;
  const { activity, fields, actor, status, profiles } = (kind?.map ?? KINDS['ebpipe.bench'].map)({
    r,
    p,
    uid,
    time,
    body: record.body,
    device: host.device,
  });
  const [activityId, activityName] = activity;
  const [severityId, severity] = severityOf(record.severityNumber);
  const inContainer = r.str('container.id') !== undefined;
  const sequence = r.int('ebpipe.seq');
  const event: OcsfEvent = {
    class_uid: cls.uid,
    class_name: cls.caption,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: cls.uid * 100 + activityId,
    type_name: `${cls.caption}: ${activityName}`,
    severity_id: severityId,
    severity,
    time,
    timezone_offset: 0,
    message: record.body,
    metadata: {
      version: OCSF_VERSION,
      product: host.product,
      uid,
      event_code: record.eventName,
      log_name: record.eventName.slice(0, record.eventName.indexOf('.')),
      logged_time: time,
      processed_time: msOf(record.hrTimeObserved),
      sequence,
      reporter: host.reporter,
      profiles: ['host', ...(inContainer ? ['container'] : []), ...(profiles ?? [])],
    },
    device: host.device,
    actor,
    ...fields,
    ...status,
  };
  event['observables'] = observablesOf(event);
  const unread = r.unread();
  const resource = host.unmapped;
  if (unread || Object.keys(resource).length > 0) event['unmapped'] = { ...resource, ...unread };
  return event;
}

/** The record as one line of OCSF JSON, without the newline. */
export function ocsfJsonLine(record: EventLogRecord): string {
  return JSON.stringify(ocsfEventOf(record));
}
