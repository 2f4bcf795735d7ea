// The `json` encoding: one event as one JSON object, the typed record with its resource, for
// consumers that do not read OTLP (a SIEM's Kafka connector, jq). Attribute values keep their
// JSON types (ints, bools, strings, arrays); times are RFC 3339 with nanoseconds, and exact
// nanoseconds since the epoch as decimal text (an int64 does not fit a JSON number).
import type { HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { hrTimeNanosText } from '../otel/event-record.js';
import type { EventLogRecord } from '../otel/log-record.js';

function rfc3339(time: HrTime): string {
  const seconds = new Date(time[0] * 1000).toISOString().slice(0, 19);
  return `${seconds}.${String(time[1]).padStart(9, '0')}Z`;
}

/** Every record of an agent shares one Resource: its JSON is made once. */
const resourceJson = new WeakMap<Resource, string>();

function resourceText(resource: Resource): string {
  let text = resourceJson.get(resource);
  if (text === undefined) {
    text = JSON.stringify(resource.attributes);
    resourceJson.set(resource, text);
  }
  return text;
}

export function recordJson(record: EventLogRecord): string {
  const own = JSON.stringify({
    timestamp: rfc3339(record.hrTime),
    time_unix_nano: hrTimeNanosText(record.hrTime),
    observed_time_unix_nano: hrTimeNanosText(record.hrTimeObserved),
    severity_number: record.severityNumber,
    severity_text: record.severityText,
    event_name: record.eventName,
    body: record.body,
    attributes: record.attributes,
  });
  return `${own.slice(0, -1)},"resource":${resourceText(record.resource)}}`;
}
