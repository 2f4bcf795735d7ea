// `awss3`: events as objects in an S3 bucket, one batch an object (ocsf_parquet: one per OCSF class
// and day), named under a time partition with a UUIDv7, so names sort by time and never collide.
// A batch is delivered once S3 stored every one of its objects; a retry writes the objects still
// missing under the same names, so it never adds a second copy beside one that was stored.
import type { Event } from '../../events/model.js';
import { type Exporter, type ExporterContext, type ExporterFactory } from '../../pipeline/component.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { awss3Settings, type Awss3Settings } from './config.js';
import { encodeObjects, type BatchName } from './object-encoding.js';
import { uuidv7 } from './object-key.js';
import { S3Uploader } from './s3-uploader.js';

interface Attempt {
  name: BatchName;
  /** Keys stored by an earlier attempt at this batch. */
  stored: Set<string>;
}

export class Awss3Exporter implements Exporter {
  private readonly records: EventRecordMapper;
  private readonly uploader: S3Uploader;
  /** The queue retries a batch with the same array: its name and what is stored of it. */
  private readonly attempts = new WeakMap<readonly Event[], Attempt>();

  constructor(
    private readonly s: Awss3Settings,
    ctx: ExporterContext,
  ) {
    this.records = new EventRecordMapper(ctx.resource);
    this.uploader = new S3Uploader(s.s3uploader, ctx.id, s.timeout);
  }

  async export(events: readonly Event[]): Promise<void> {
    if (events.length === 0) return;
    let attempt = this.attempts.get(events);
    if (!attempt) {
      attempt = { name: { id: uuidv7(), time: new Date() }, stored: new Set() };
      this.attempts.set(events, attempt);
    }
    const objects = await encodeObjects(this.s, this.records.toRecords(events), attempt.name);
    for (const object of objects) {
      if (attempt.stored.has(object.key)) continue;
      await this.uploader.put(object);
      attempt.stored.add(object.key);
    }
  }

  async shutdown(): Promise<void> {
    this.uploader.close();
  }
}

export const awss3Exporter: ExporterFactory<typeof awss3Settings> = {
  kind: 'exporter',
  type: 'awss3',
  description:
    'writes batches of events as objects to S3 (OTLP JSON/protobuf, NDJSON, OCSF JSON, or OCSF Parquet in the Security Lake layout)',
  settings: awss3Settings,
  create: (s, ctx) => new Awss3Exporter(s, ctx),
};
