// ExportLogsServiceRequest in protobuf, written straight from the records: the same bytes as the
// OpenTelemetry JS serializer (same fields, same order; a test compares the two), at a fraction
// of its cost (bench/otlp measured it at ~13 µs per 28-attribute record, most of an export). Each
// message's size is known before it is written: strings are measured once and written natively,
// attribute keys are encoded once for good, the resource and scope once per request, and a
// record's bytes are copied once into its request instead of shifted.
//
// opentelemetry/proto/collector/logs/v1/logs_service.proto and logs/v1/logs.proto:
//   ExportLogsServiceRequest { ResourceLogs resource_logs = 1 }
//   ResourceLogs { Resource resource = 1; ScopeLogs scope_logs = 2; string schema_url = 3 }
//   ScopeLogs { InstrumentationScope scope = 1; LogRecord log_records = 2; string schema_url = 3 }
//   LogRecord { fixed64 time_unix_nano = 1; SeverityNumber severity_number = 2; string severity_text = 3;
//               AnyValue body = 5; KeyValue attributes = 6; uint32 dropped_attributes_count = 7;
//               fixed64 observed_time_unix_nano = 11; string event_name = 12 }
//   KeyValue { string key = 1; AnyValue value = 2 }
//   AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
//              ArrayValue array_value = 5 }   ArrayValue { AnyValue values = 1 }
import type { Resource } from '@opentelemetry/resources';
import type { AttributeValue, EventLogRecord } from './log-record.js';
import { int64Size, ProtoSink, utf8Length, varintSize } from './proto-sink.js';

const LEN = 2; // wire type of length-delimited fields
const tag = (field: number, wire: number): number => (field << 3) | wire;

type Scalar = string | number | boolean;

/** AnyValue of one scalar: its size, given the UTF-8 length of a string (measured once by the caller). */
function scalarSize(v: Scalar, utf8: number): number {
  if (typeof v === 'string') return 1 + varintSize(utf8) + utf8;
  if (typeof v === 'boolean') return 2;
  return Number.isInteger(v) ? 1 + int64Size(v) : 9;
}

function writeScalar(out: ProtoSink, v: Scalar, utf8: number): void {
  if (typeof v === 'string') {
    out.byte(tag(1, LEN));
    out.varint(utf8);
    out.utf8(v, utf8);
  } else if (typeof v === 'boolean') {
    out.byte(tag(2, 0));
    out.byte(v ? 1 : 0);
  } else if (Number.isInteger(v)) {
    out.byte(tag(3, 0));
    out.int64(v);
  } else {
    out.byte(tag(4, 1));
    out.double(v);
  }
}

const scalarUtf8 = (v: Scalar): number => (typeof v === 'string' ? utf8Length(v) : 0);

/** What anyValueSize measured of the last array: its elements' UTF-8 lengths and its ArrayValue's size. */
let elementLengths = new Array<number>(64);
let arrayInner = 0;

/** Size of an AnyValue: a scalar, or an ArrayValue of scalars (leaving what writeArray needs). */
function anyValueSize(v: AttributeValue, utf8: number): number {
  if (!Array.isArray(v)) return scalarSize(v, utf8);
  if (elementLengths.length < v.length) elementLengths = new Array<number>(v.length * 2);
  let inner = 0;
  for (let i = 0; i < v.length; i++) {
    const item = v[i]!;
    const length = scalarUtf8(item);
    elementLengths[i] = length;
    const size = scalarSize(item, length);
    inner += 1 + varintSize(size) + size;
  }
  arrayInner = inner;
  return 1 + varintSize(inner) + inner;
}

/** The ArrayValue that anyValueSize just measured. */
function writeArray(out: ProtoSink, v: readonly Scalar[]): void {
  out.byte(tag(5, LEN));
  out.varint(arrayInner);
  for (let i = 0; i < v.length; i++) {
    const item = v[i]!;
    const length = elementLengths[i]!;
    out.byte(tag(1, LEN));
    out.varint(scalarSize(item, length));
    writeScalar(out, item, length);
  }
}

/** `[tag(1, LEN), len, key bytes]` of each attribute name: names repeat on every record. */
const keyFields = new Map<string, Buffer>();

function keyField(key: string): Buffer {
  let field = keyFields.get(key);
  if (!field) {
    if (keyFields.size >= 8192) keyFields.clear();
    const bytes = Buffer.from(key, 'utf8');
    field = Buffer.allocUnsafe(1 + varintSize(bytes.length) + bytes.length);
    const sink = new ProtoSink(field.length);
    sink.byte(tag(1, LEN));
    sink.varint(bytes.length);
    sink.bytes(bytes);
    sink.buf.copy(field);
    keyFields.set(key, field);
  }
  return field;
}

/** Writes each attribute as `field` KeyValue entries. */
function writeAttributes(
  out: ProtoSink,
  attributes: Readonly<Record<string, AttributeValue | undefined>>,
  field: number,
): void {
  for (const key in attributes) {
    const v = attributes[key];
    if (v === undefined) continue;
    const k = keyField(key);
    const utf8 = Array.isArray(v) ? 0 : scalarUtf8(v);
    const valueSize = anyValueSize(v, utf8);
    const kvSize = k.length + 1 + varintSize(valueSize) + valueSize;
    out.ensure(1 + 5 + kvSize);
    out.byte(tag(field, LEN));
    out.varint(kvSize);
    out.bytes(k);
    out.byte(tag(2, LEN));
    out.varint(valueSize);
    if (Array.isArray(v)) writeArray(out, v);
    else writeScalar(out, v, utf8);
  }
}

/** The Resource (field 1 of ResourceLogs, tag included) of each resource, encoded once. */
const resourceFields = new WeakMap<Resource, Buffer>();

function resourceField(resource: Resource): Buffer {
  let field = resourceFields.get(resource);
  if (!field) {
    const body = new ProtoSink(1024);
    writeAttributes(body, resource.attributes as Record<string, AttributeValue | undefined>, 1);
    body.ensure(2);
    body.byte(tag(2, 0)); // dropped_attributes_count, written as the reference serializer does
    body.byte(0);
    field = lengthDelimited(1, body);
    resourceFields.set(resource, field);
  }
  return field;
}

const scopeFields = new WeakMap<object, Buffer>();

function scopeField(scope: EventLogRecord['instrumentationScope']): Buffer {
  let field = scopeFields.get(scope);
  if (!field) {
    const body = new ProtoSink(256);
    const name = utf8Length(scope.name);
    body.ensure(16 + name + utf8Length(scope.version ?? ''));
    body.byte(tag(1, LEN));
    body.varint(name);
    body.utf8(scope.name, name);
    if (scope.version) {
      const version = utf8Length(scope.version);
      body.byte(tag(2, LEN));
      body.varint(version);
      body.utf8(scope.version, version);
    }
    if (scope.attributes) writeAttributes(body, scope.attributes as Record<string, AttributeValue | undefined>, 3);
    field = lengthDelimited(1, body);
    scopeFields.set(scope, field);
  }
  return field;
}

function lengthDelimited(field: number, body: ProtoSink): Buffer {
  const out = new ProtoSink(body.pos + 6);
  out.byte(tag(field, LEN));
  out.varint(body.pos);
  out.bytes(body.buf, 0, body.pos);
  return Buffer.from(out.buf.subarray(0, out.pos));
}

function writeString(out: ProtoSink, field: number, s: string): void {
  const length = utf8Length(s);
  out.ensure(6 + length);
  out.byte(tag(field, LEN));
  out.varint(length);
  out.utf8(s, length);
}

/** One record's fields (not its own tag and length). */
function writeRecord(out: ProtoSink, r: EventLogRecord): void {
  out.ensure(64);
  out.byte(tag(1, 1));
  out.fixed64Time(r.hrTime[0], r.hrTime[1]);
  if (r.severityNumber) {
    out.byte(tag(2, 0));
    out.varint(r.severityNumber);
  }
  if (r.severityText) writeString(out, 3, r.severityText);
  const body = utf8Length(r.body);
  const bodySize = 1 + varintSize(body) + body;
  out.ensure(6 + bodySize);
  out.byte(tag(5, LEN));
  out.varint(bodySize);
  writeScalar(out, r.body, body);
  writeAttributes(out, r.attributes, 6);
  out.ensure(32);
  out.byte(tag(7, 0));
  out.varint(r.droppedAttributesCount);
  out.byte(tag(11, 1));
  out.fixed64Time(r.hrTimeObserved[0], r.hrTimeObserved[1]);
  if (r.eventName) writeString(out, 12, r.eventName);
}

/**
 * The request for `records`, grouped by resource then scope as the OpenTelemetry serializer
 * groups them (in the order each first appears).
 */
export class OtlpLogsProtoWriter {
  private readonly record = new ProtoSink(4096);
  /** One sink per scope of a resource, reused: a request usually has one resource and one scope. */
  private readonly scopes: ProtoSink[] = [];
  private readonly request = new ProtoSink(1 << 20);

  encode(records: readonly EventLogRecord[]): Uint8Array {
    const byResource = new Map<Resource, Map<object, EventLogRecord[]>>();
    for (const r of records) {
      let byScope = byResource.get(r.resource);
      if (!byScope) byResource.set(r.resource, (byScope = new Map<object, EventLogRecord[]>()));
      let list = byScope.get(r.instrumentationScope);
      if (!list) byScope.set(r.instrumentationScope, (list = []));
      list.push(r);
    }
    const out = this.request;
    out.reset();
    for (const [resource, byScope] of byResource) {
      const resourceBytes = resourceField(resource);
      const lists = [...byScope.values()];
      let size = resourceBytes.length;
      lists.forEach((list, i) => {
        const body = this.scopeBody(i, list);
        size += 1 + varintSize(body.pos) + body.pos;
      });
      out.ensure(6 + size);
      out.byte(tag(1, LEN));
      out.varint(size);
      out.bytes(resourceBytes);
      for (let i = 0; i < lists.length; i++) {
        const body = this.scopes[i]!;
        out.byte(tag(2, LEN));
        out.varint(body.pos);
        out.bytes(body.buf, 0, body.pos);
      }
    }
    return Uint8Array.prototype.slice.call(out.buf, 0, out.pos);
  }

  /** The ScopeLogs message (without its own tag and length) of records sharing one scope, in sink `i`. */
  private scopeBody(i: number, list: readonly EventLogRecord[]): ProtoSink {
    const body = (this.scopes[i] ??= new ProtoSink(1 << 20));
    body.reset();
    const scope = scopeField(list[0]!.instrumentationScope);
    body.ensure(scope.length);
    body.bytes(scope);
    const one = this.record;
    for (const r of list) {
      one.reset();
      writeRecord(one, r);
      body.ensure(6 + one.pos);
      body.byte(tag(2, LEN));
      body.varint(one.pos);
      body.bytes(one.buf, 0, one.pos);
    }
    return body;
  }
}
