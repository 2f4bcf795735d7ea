// Records -> Kafka messages: the key each carries (logs.message_key or
// partition_logs_by_resource_attributes) and values no larger than producer.max_message_bytes.
// An OTLP request of one key is split at record boundaries until each part fits; a record that
// alone does not fit is left out and counted, for the exporter to report as dropped.
import { createHash } from 'node:crypto';
import type { Resource } from '@opentelemetry/resources';
import type { EventLogRecord } from '../otel/log-record.js';
import type { MessageKeyChoice } from './config.js';
import type { ValueEncoding } from './encodings.js';
import type { OutgoingMessage } from './producer.js';

export interface KeySettings {
  messageKey: MessageKeyChoice;
  byResourceAttributes: boolean;
}

/** The key of a record's message; `constant` when every record of this agent has the same one. */
type KeyRule = { constant: string | null } | { perRecord: (record: EventLogRecord) => string | null };

/** A digest of the resource's attributes sorted by name (the Collector hashes them too, with its own hash). */
function resourceHash(resource: Resource): string {
  const sorted = Object.entries(resource.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 32);
}

function keyRule(s: KeySettings, resource: Resource): KeyRule {
  if (s.byResourceAttributes) return { constant: resourceHash(resource) };
  switch (s.messageKey) {
    case 'none':
      return { constant: null };
    case 'host.name': {
      const host = resource.attributes['host.name'];
      return { constant: typeof host === 'string' ? host : null };
    }
    case 'ebpipe.exec_id':
      return {
        perRecord: (record) => {
          const id = record.attributes['ebpipe.exec_id'];
          return typeof id === 'string' ? id : null;
        },
      };
  }
}

export interface BuiltMessages {
  messages: OutgoingMessage[];
  /** Records left out because one alone is over max_message_bytes, and the largest such size. */
  oversize: number;
  largestOversize: number;
}

export class MessageBuilder {
  private readonly key: KeyRule;
  /** Encoded bytes per record in the last request, to size the parts of the next. */
  private bytesPerRecord = 1;

  constructor(
    private readonly encoding: ValueEncoding,
    keys: KeySettings,
    resource: Resource,
    private readonly maxMessageBytes: number,
  ) {
    this.key = keyRule(keys, resource);
  }

  build(records: EventLogRecord[]): BuiltMessages {
    const out: BuiltMessages = { messages: [], oversize: 0, largestOversize: 0 };
    if (this.encoding.kind === 'record') {
      for (const record of records) {
        const key = 'constant' in this.key ? this.key.constant : this.key.perRecord(record);
        this.add(out, key, this.encoding.encode(record), 1);
      }
    } else if ('constant' in this.key) {
      this.addRequest(out, this.key.constant, records);
    } else {
      for (const [key, group] of groupByKey(records, this.key.perRecord)) this.addRequest(out, key, group);
    }
    return out;
  }

  private fits(key: string | null, value: Buffer): boolean {
    return value.length + (key === null ? 0 : Buffer.byteLength(key)) <= this.maxMessageBytes;
  }

  private add(out: BuiltMessages, key: string | null, value: Buffer, records: number): void {
    if (this.fits(key, value)) {
      out.messages.push({ key, value });
    } else {
      out.oversize += records;
      out.largestOversize = Math.max(out.largestOversize, value.length);
    }
  }

  /**
   * Encodes the records as one request, or as parts sized from the bytes per record seen so far
   * (so a batch far over the limit is not encoded whole first); a part still too big is split again.
   */
  private addRequest(out: BuiltMessages, key: string | null, records: EventLogRecord[]): void {
    if (this.encoding.kind !== 'request' || records.length === 0) return;
    // A tenth to spare, as records differ in size.
    const perPart = Math.max(1, Math.floor((this.maxMessageBytes * 0.9) / this.bytesPerRecord));
    if (records.length > perPart && records.length > 1) {
      const size = Math.min(perPart, Math.ceil(records.length / 2));
      for (let i = 0; i < records.length; i += size) this.addRequest(out, key, records.slice(i, i + size));
      return;
    }
    const value = this.encoding.encode(records);
    this.bytesPerRecord = value.length / records.length;
    if (records.length === 1 || this.fits(key, value)) this.add(out, key, value, records.length);
    else this.addRequest(out, key, records);
  }
}

/** Records by key, each group in the order the records came. */
function groupByKey(
  records: readonly EventLogRecord[],
  keyOf: (record: EventLogRecord) => string | null,
): Map<string | null, EventLogRecord[]> {
  const groups = new Map<string | null, EventLogRecord[]>();
  for (const record of records) {
    const key = keyOf(record);
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return groups;
}
