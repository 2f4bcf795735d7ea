// One record as Splunk HEC's JSON envelope: `time` in epoch seconds with the kernel time's nine
// sub-second digits, `host`, `source`, `sourcetype`, `index`, the record as `event`, and the
// fields users search on as indexed `fields`. Built by string concatenation around
// JSON.stringify: the constant parts (host, source, the resource) are serialized once.
import type { HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { hrTimeNanosText } from '../otel/event-record.js';
import type { EventLogRecord } from '../otel/log-record.js';

/**
 * How a record becomes HEC's `event` (a JSON text) and the sourcetype that names that shape.
 * `recordEventBody` is the record itself; the OCSF classes (src/exporters/ocsf/) are to be a
 * second body, with an `ocsf:` sourcetype.
 */
export interface HecEventBody {
  json(record: EventLogRecord): string;
}

/**
 * Attributes copied into the indexed fields, when the record has them: who did it (exec id,
 * pid, binary, user), where (container, pod) and what a policy did. Flat values only, as HEC
 * requires; `host` is the envelope's (Splunk indexes it already).
 */
export const INDEXED_ATTRIBUTES = [
  'ebpipe.exec_id',
  'process.pid',
  'process.executable.path',
  'process.real_user.name',
  'process.user.id',
  'container.id',
  'k8s.pod.name',
  'k8s.namespace.name',
  'ebpipe.policy.name',
  'ebpipe.policy.actions',
  'ebpipe.policy.audit.action',
] as const;

/** The Collector's names for the severity in HEC fields (its splunk_hec exporter's otel_to_hec_fields defaults). */
export const SEVERITY_TEXT_FIELD = 'otel.log.severity.text';
export const SEVERITY_NUMBER_FIELD = 'otel.log.severity.number';
/** The semantic conventions' name for the record's EventName. */
export const EVENT_NAME_FIELD = 'event.name';

/** The Collector's exporter writes this host when the resource has no host.name. */
const UNKNOWN_HOST = 'unknown';

/** `1700000000.000000123`: exact decimal digits, which a JSON number written from a double would round. */
export function epochSecondsText(time: HrTime): string {
  return `${time[0]}.${String(time[1]).padStart(9, '0')}`;
}

/** The record as `event`, in the OTLP JSON log record's field names, with attributes and resource as plain objects. */
export function recordEventBody(resource: Resource): HecEventBody {
  const resourceSuffix = `,"resource":${JSON.stringify(resource.attributes)}}`;
  return {
    json: (r) =>
      `{"eventName":${JSON.stringify(r.eventName)},"timeUnixNano":"${hrTimeNanosText(r.hrTime)}"` +
      `,"observedTimeUnixNano":"${hrTimeNanosText(r.hrTimeObserved)}"` +
      `,"severityNumber":${r.severityNumber},"severityText":${JSON.stringify(r.severityText)}` +
      `,"body":${JSON.stringify(r.body)},"attributes":${JSON.stringify(r.attributes)}${resourceSuffix}`,
  };
}

export interface HecEnvelopeSettings {
  /** Each left out of the envelope when empty (Splunk then uses the token's). */
  source: string;
  sourcetype: string;
  index: string;
}

export function indexedFields(record: EventLogRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    [EVENT_NAME_FIELD]: record.eventName,
    [SEVERITY_TEXT_FIELD]: record.severityText,
    [SEVERITY_NUMBER_FIELD]: record.severityNumber,
  };
  const attributes = record.attributes;
  for (const key of INDEXED_ATTRIBUTES) {
    const value = attributes[key];
    if (value !== undefined) fields[key] = value;
  }
  return fields;
}

export class HecEventEncoder {
  /** `,"host":...,"event":` — everything between the time and the event, the same for every record. */
  private readonly metadata: string;

  constructor(
    resource: Resource,
    settings: HecEnvelopeSettings,
    private readonly body: HecEventBody = recordEventBody(resource),
  ) {
    const hostName = resource.attributes['host.name'];
    let metadata = `,"host":${JSON.stringify(typeof hostName === 'string' && hostName ? hostName : UNKNOWN_HOST)}`;
    for (const key of ['source', 'sourcetype', 'index'] as const) {
      if (settings[key]) metadata += `,"${key}":${JSON.stringify(settings[key])}`;
    }
    this.metadata = `${metadata},"event":`;
  }

  /** One event's JSON text. */
  encode(record: EventLogRecord): string {
    return (
      `{"time":${epochSecondsText(record.hrTime)}${this.metadata}${this.body.json(record)}` +
      `,"fields":${JSON.stringify(indexedFields(record))}}`
    );
  }
}
