// One record as Splunk HEC's JSON envelope: `time` in epoch seconds with the kernel time's nine
// sub-second digits, `host`, `source`, `sourcetype`, `index`, the record as `event`, and the
// fields users search on as indexed `fields`. One JSON.stringify of one plain object per event
// (measured twice as fast as joining a stringify per part), the time spliced in as exact text.
import type { HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { hrTimeNanosText } from '../otel/event-record.js';
import type { EventLogRecord } from '../otel/log-record.js';

/**
 * How a record becomes HEC's `event`: a plain object for JSON.stringify. `recordEventBody` is
 * the record itself; `ocsfEventOf` (src/exporters/ocsf/) its OCSF event.
 */
export type HecEventBody = (record: EventLogRecord) => object;

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
  const resourceAttributes = resource.attributes;
  return (r) => ({
    eventName: r.eventName,
    timeUnixNano: hrTimeNanosText(r.hrTime),
    observedTimeUnixNano: hrTimeNanosText(r.hrTimeObserved),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    attributes: r.attributes,
    resource: resourceAttributes,
  });
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
  private readonly host: string;
  /** Undefined when empty: JSON.stringify leaves those out. */
  private readonly source: string | undefined;
  private readonly sourcetype: string | undefined;
  private readonly index: string | undefined;

  constructor(
    resource: Resource,
    settings: HecEnvelopeSettings,
    private readonly body: HecEventBody = recordEventBody(resource),
  ) {
    const hostName = resource.attributes['host.name'];
    this.host = typeof hostName === 'string' && hostName ? hostName : UNKNOWN_HOST;
    this.source = settings.source || undefined;
    this.sourcetype = settings.sourcetype || undefined;
    this.index = settings.index || undefined;
  }

  /** One event's JSON text, on one line. */
  encode(record: EventLogRecord): string {
    const rest = JSON.stringify({
      host: this.host,
      source: this.source,
      sourcetype: this.sourcetype,
      index: this.index,
      event: this.body(record),
      fields: indexedFields(record),
    });
    // `rest` opens with `{"host":`: the time goes first, as text a double could not hold.
    return `{"time":${epochSecondsText(record.hrTime)},${rest.slice(1)}`;
  }
}
