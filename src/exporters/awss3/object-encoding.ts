// One batch of records -> the objects to upload: their keys and bytes for the chosen marshaler.
// Every marshaler makes one object per batch, but ocsf_parquet, which makes one per OCSF class and
// event day (Security Lake's layout: ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/).
import { promisify } from 'node:util';
import { gzip, zstdCompress } from 'node:zlib';
import type { Resource } from '@opentelemetry/resources';
import { OCSF_CLASSES } from '../ocsf/ocsf-classes.js';
import type { OcsfEvent } from '../ocsf/ocsf-event.js';
import { ocsfEventOf, ocsfJsonLine } from '../ocsf/ocsf-mapper.js';
import { ocsfParquet } from '../ocsf/ocsf-parquet.js';
import type { EventLogRecord } from '../otel/log-record.js';
import { encodeLogsRequest } from '../otel/otlp-logs.js';
import type { Awss3Settings, Compression, Marshaler } from './config.js';
import { joinKey, strftime } from './object-key.js';

export interface S3Object {
  key: string;
  body: Uint8Array;
  contentType: string;
  contentEncoding?: string;
}

/** The name of one batch: the same on every retry, so a retry writes the same keys again. */
export interface BatchName {
  /** A UUIDv7: names sort by time and never collide. */
  id: string;
  /** The first attempt's time: the time partition. */
  time: Date;
}

const FORMATS: Readonly<Record<Exclude<Marshaler, 'ocsf_parquet'>, { extension: string; contentType: string }>> = {
  otlp_json: { extension: 'json', contentType: 'application/json' },
  otlp_proto: { extension: 'binpb', contentType: 'application/x-protobuf' },
  ndjson: { extension: 'ndjson', contentType: 'application/x-ndjson' },
  ocsf_json: { extension: 'ocsf.ndjson', contentType: 'application/x-ndjson' },
};

const COMPRESSORS: Readonly<Record<Exclude<Compression, 'none'>, [(b: Uint8Array) => Promise<Buffer>, string]>> = {
  gzip: [promisify(gzip), 'gz'],
  zstd: [promisify(zstdCompress), 'zst'],
};

const resourceJson = new WeakMap<Resource, string>();

/** Digits of nanoseconds since the epoch as RFC 3339 in UTC, nanoseconds kept. */
function isoTime([seconds, nanos]: readonly [number, number]): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

/**
 * The record as one JSON line: the OpenTelemetry log data model's fields (timestamp, observed
 * timestamp, severity, event name, body, attributes with their types) and the resource's attributes.
 */
export function recordJsonLine(r: EventLogRecord): string {
  let resource = resourceJson.get(r.resource);
  if (resource === undefined) {
    resource = JSON.stringify(r.resource.attributes);
    resourceJson.set(r.resource, resource);
  }
  const head = JSON.stringify({
    timestamp: isoTime(r.hrTime),
    observed_timestamp: isoTime(r.hrTimeObserved),
    severity_number: r.severityNumber,
    severity_text: r.severityText,
    event_name: r.eventName,
    body: r.body,
    attributes: r.attributes,
  });
  return `${head.slice(0, -1)},"resource":${resource}}`;
}

function lines(records: readonly EventLogRecord[], line: (r: EventLogRecord) => string): Uint8Array {
  let text = '';
  for (const r of records) text += `${line(r)}\n`;
  return Buffer.from(text);
}

function body(marshaler: Exclude<Marshaler, 'ocsf_parquet'>, records: EventLogRecord[]): Uint8Array {
  switch (marshaler) {
    case 'otlp_json':
      return encodeLogsRequest(records, 'json');
    case 'otlp_proto':
      return encodeLogsRequest(records, 'proto');
    case 'ndjson':
      return lines(records, recordJsonLine);
    case 'ocsf_json':
      return lines(records, ocsfJsonLine);
  }
}

const eventDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

/** One Parquet object per OCSF class and event day, each sorted by time (as Security Lake asks). */
async function securityLakeObjects(s: Awss3Settings, records: EventLogRecord[], name: BatchName): Promise<S3Object[]> {
  const lake = s.security_lake!;
  const up = s.s3uploader;
  const groups = new Map<string, OcsfEvent[]>();
  for (const r of records) {
    const event = ocsfEventOf(r);
    const className = OCSF_CLASSES.find((c) => c.uid === event.class_uid)?.name ?? 'base_event';
    const key = `${className}/${eventDay(event.time)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(event);
  }
  const objects: S3Object[] = [];
  for (const [group, events] of groups) {
    const [className, day] = group.split('/') as [string, string];
    events.sort((a, b) => a.time - b.time);
    const source = lake.sources[className] ?? `ebpipe_${className}`;
    objects.push({
      key: joinKey(
        up.s3_prefix,
        'ext',
        source,
        `region=${up.region}`,
        `accountId=${lake.account_id}`,
        `eventDay=${day}`,
        `${up.file_prefix}${name.id}.parquet`,
      ),
      body: await ocsfParquet(events),
      contentType: 'application/vnd.apache.parquet',
    });
  }
  return objects;
}

/** The objects of one batch, encoded and compressed as the settings say. */
export async function encodeObjects(s: Awss3Settings, records: EventLogRecord[], name: BatchName): Promise<S3Object[]> {
  if (s.marshaler === 'ocsf_parquet') return securityLakeObjects(s, records, name);
  const up = s.s3uploader;
  const { extension, contentType } = FORMATS[s.marshaler];
  const raw = body(s.marshaler, records);
  const compressor = up.compression === 'none' ? undefined : COMPRESSORS[up.compression];
  const key = joinKey(
    up.s3_prefix,
    strftime(up.s3_partition_format, name.time),
    `${up.file_prefix}logs_${name.id}.${extension}${compressor ? `.${compressor[1]}` : ''}`,
  );
  if (!compressor) return [{ key, body: raw, contentType }];
  return [{ key, body: await compressor[0](raw), contentType, contentEncoding: up.compression }];
}
