// Events -> the one OpenTelemetry log record (log-record.ts): the kernel's boot-clock time as
// wall-clock time, when user space read it, a severity, the event kind as EventName, a body
// and the typed attributes of event-attributes.ts, under the agent's resource and scope.
import { SeverityNumber, type HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { Event } from '../../events/model.js';
import type { RecordOrigin } from '../../events/references.js';
import { version } from '../../common/version.js';
import { eventAttributes } from './event-attributes.js';
import { eventBody } from './event-body.js';
import type { EventLogRecord } from './log-record.js';
import { SERVICE_NAME } from './resource.js';

/** One object, so encoders group every record under one scope. */
export const EBPIPE_SCOPE: InstrumentationScope = { name: SERVICE_NAME, version };

type Severity = readonly [SeverityNumber, string];
const INFO: Severity = [SeverityNumber.INFO, 'INFO'];
const WARN: Severity = [SeverityNumber.WARN, 'WARN'];
const ERROR: Severity = [SeverityNumber.ERROR, 'ERROR'];

/**
 * Observations are INFO; what a security team wants to see first (a privilege raise, a module
 * loaded, a policy match, a refused policy change) is WARN; enforcement (a kill, a signal, an
 * operation refused in the kernel) is ERROR.
 */
export function severityOf(event: Event): Severity {
  switch (event.kind) {
    case 'policy.match':
      return event.actions.some((a) => a === 'sigkill' || a === 'signal' || a === 'override') ? ERROR : WARN;
    case 'policy.audit':
      return event.result === 'rejected' ? WARN : INFO;
    case 'credentials.change':
      return event.privilegeRaised ? WARN : INFO;
    case 'module.load':
      return event.result >= 0 ? WARN : INFO;
    default:
      return INFO;
  }
}

const NS_PER_S = 1_000_000_000;
const NS_PER_S_BIG = 1_000_000_000n;

function splitNs(ns: bigint): HrTime {
  return [Number(ns / NS_PER_S_BIG), Number(ns % NS_PER_S_BIG)];
}

/**
 * Turns origins into HrTime without a bigint operation per event: a source's clock offset and a
 * batch's read time are the same for many events in a row, so each is split once.
 */
class OriginTimes {
  private offset = 0n;
  private offsetTime: HrTime = [0, 0];
  private observedNs: bigint | undefined;
  private observedTime: HrTime = [0, 0];

  wall(origin: RecordOrigin): HrTime {
    if (origin.clockOffsetNs !== this.offset) {
      this.offset = origin.clockOffsetNs;
      this.offsetTime = splitNs(origin.clockOffsetNs);
    }
    // ktime is below 2^53 (104 days of uptime in ns stay exact), so number arithmetic holds.
    const ktime = Math.round(origin.ktime);
    const ks = Math.floor(ktime / NS_PER_S);
    let seconds = this.offsetTime[0] + ks;
    let nanos = this.offsetTime[1] + (ktime - ks * NS_PER_S);
    if (nanos >= NS_PER_S) {
      seconds += 1;
      nanos -= NS_PER_S;
    }
    return [seconds, nanos];
  }

  /** When user space read the record; the record's own time when nobody noted it. */
  observed(origin: RecordOrigin, wall: HrTime): HrTime {
    const ns = origin.observedNs;
    if (ns === undefined) return wall;
    if (ns !== this.observedNs) {
      this.observedNs = ns;
      this.observedTime = splitNs(ns);
    }
    return this.observedTime;
  }
}

export class EventRecordMapper {
  private readonly times = new OriginTimes();

  /** `resource` is the agent's (resource.ts): every record shares it. */
  constructor(private readonly resource: Resource) {}

  toRecord(event: Event): EventLogRecord {
    const [severityNumber, severityText] = severityOf(event);
    const hrTime = this.times.wall(event.origin);
    return {
      hrTime,
      hrTimeObserved: this.times.observed(event.origin, hrTime),
      severityNumber,
      severityText,
      eventName: event.kind,
      body: eventBody(event),
      attributes: eventAttributes(event),
      resource: this.resource,
      instrumentationScope: EBPIPE_SCOPE,
      droppedAttributesCount: 0,
    };
  }

  toRecords(events: readonly Event[]): EventLogRecord[] {
    const records = new Array<EventLogRecord>(events.length);
    for (let i = 0; i < events.length; i++) records[i] = this.toRecord(events[i]!);
    return records;
  }
}

/** Nanoseconds since the Unix epoch as decimal digits, for encodings that want one integer. */
export function hrTimeNanosText(time: HrTime): string {
  return time[0] === 0 ? String(time[1]) : `${time[0]}${String(time[1]).padStart(9, '0')}`;
}
