// What a message's value holds, per logs.encoding: an OTLP ExportLogsServiceRequest of many records
// (the shared serializers of otel/otlp-logs.ts), or one record alone: ebpipe's JSON or its OCSF
// event (src/exporters/ocsf/).
import { encodeLogsRequest } from '../otel/otlp-logs.js';
import type { EventLogRecord } from '../otel/log-record.js';
import { ocsfJsonLine } from '../ocsf/ocsf-mapper.js';
import type { KafkaEncoding } from './config.js';
import { recordJson } from './record-json.js';

export type ValueEncoding =
  | { kind: 'request'; encode(records: EventLogRecord[]): Buffer }
  | { kind: 'record'; encode(record: EventLogRecord): Buffer };

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const ENCODINGS: Readonly<Record<KafkaEncoding, ValueEncoding>> = {
  otlp_proto: { kind: 'request', encode: (records) => asBuffer(encodeLogsRequest(records, 'proto')) },
  otlp_json: { kind: 'request', encode: (records) => asBuffer(encodeLogsRequest(records, 'json')) },
  json: { kind: 'record', encode: (record) => Buffer.from(recordJson(record)) },
  ocsf: { kind: 'record', encode: (record) => Buffer.from(ocsfJsonLine(record)) },
};

export function valueEncoding(name: KafkaEncoding): ValueEncoding {
  return ENCODINGS[name];
}
