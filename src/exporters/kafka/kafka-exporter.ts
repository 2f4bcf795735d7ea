// `kafka`: events to a Kafka topic for SIEM fan-out, at least once. A batch is delivered when the
// brokers acknowledged every message of it (acks from all in-sync replicas by default); a record
// too large for one message is dropped and counted (reason message_too_large), never retried.
// After a failure whose outcome is unknown (a timeout, a broker gone) the producer is replaced:
// a new producer id, so the broker cannot mistake the retry's messages for ones it already has.
// The retry may then repeat messages that did land: duplicates, never losses.
import type { Event } from '../../events/model.js';
import { secretScrubber } from '../../common/secret-text.js';
import {
  ExportError,
  type Exporter,
  type ExporterContext,
  type ExporterFactory,
  type PartialExport,
} from '../../pipeline/component.js';
import type { Logger } from '../../telemetry/logger.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { loadClientTls } from '../tls/tls-settings.js';
import { kafkaSettings, type KafkaSettings } from './config.js';
import { valueEncoding } from './encodings.js';
import { KafkajsProducer, type KafkajsProducerOptions } from './kafkajs-producer.js';
import { MessageBuilder } from './messages.js';
import { ProduceBatcher } from './produce-batcher.js';
import type { MessageProducer, OutgoingMessage } from './producer.js';

export type ProducerFactory = () => MessageProducer;

export class KafkaExporter implements Exporter {
  private readonly records: EventRecordMapper;
  private readonly messages: MessageBuilder;
  private readonly batcher: ProduceBatcher;
  private readonly logger: Logger;
  private readonly topic: string;
  private current: { producer: MessageProducer; connected: Promise<void> } | undefined;
  private shutDown = false;

  constructor(
    s: KafkaSettings,
    private readonly ctx: ExporterContext,
    private readonly newProducer: ProducerFactory,
  ) {
    this.records = new EventRecordMapper(ctx.resource);
    this.logger = ctx.logger;
    this.topic = s.logs.topic;
    this.messages = new MessageBuilder(
      valueEncoding(s.logs.encoding),
      { messageKey: s.logs.message_key, byResourceAttributes: s.partition_logs_by_resource_attributes },
      ctx.resource,
      s.producer.max_message_bytes,
    );
    this.batcher = new ProduceBatcher((messages) => this.sendRequest(messages), {
      maxMessages: s.producer.flush_max_messages,
      maxBytes: s.producer.max_message_bytes,
      lingerMs: s.producer.linger,
    });
  }

  /** Connects in the background: brokers down at start-up leave the agent running, and exports retry. */
  async start(): Promise<void> {
    this.connected().catch((err: unknown) => {
      this.logger.warn({ exporter: this.ctx.id, code: (err as ExportError).code }, (err as Error).message);
    });
  }

  async export(events: readonly Event[]): Promise<PartialExport | void> {
    const built = this.messages.build(this.records.toRecords(events));
    if (built.oversize > 0) {
      this.logger.warn(
        { exporter: this.ctx.id, records: built.oversize, largestBytes: built.largestOversize },
        'dropping records larger than producer.max_message_bytes',
      );
    }
    if (built.messages.length > 0) await this.batcher.send(built.messages);
    if (built.oversize > 0) return { rejected: built.oversize, reason: 'message_too_large' };
  }

  private connected(): Promise<MessageProducer> {
    if (this.shutDown)
      return Promise.reject(new ExportError('SHUT_DOWN', `exporters.${this.ctx.id}: shut down`, { permanent: true }));
    if (!this.current) {
      const producer = this.newProducer();
      this.current = { producer, connected: producer.connect() };
    }
    const { producer, connected } = this.current;
    return connected.then(
      () => producer,
      (err: unknown) => {
        this.discard(producer);
        throw err;
      },
    );
  }

  private async sendRequest(messages: OutgoingMessage[]): Promise<void> {
    const producer = await this.connected();
    try {
      await producer.send(this.topic, messages);
    } catch (err) {
      if (!(err instanceof ExportError && err.permanent)) this.discard(producer);
      throw err;
    }
  }

  /** The next request connects a new producer; this one is closed in the background. */
  private discard(producer: MessageProducer): void {
    if (this.current?.producer === producer) this.current = undefined;
    void producer.close();
  }

  async shutdown(): Promise<void> {
    this.shutDown = true;
    const current = this.current;
    this.current = undefined;
    await current?.producer.close();
  }
}

/** The kafkajs producer the settings describe; the TLS files are read and checked here, at creation. */
export function kafkajsProducerOptions(s: KafkaSettings, ctx: ExporterContext): KafkajsProducerOptions {
  const secrets = s.auth.sasl ? [s.auth.sasl.password] : [];
  return {
    exporterId: ctx.id,
    brokers: s.brokers,
    clientId: s.client_id,
    tls: s.tls && !s.tls.insecure ? loadClientTls(s.tls, ctx) : undefined,
    sasl: s.auth.sasl,
    acks: s.producer.required_acks,
    idempotent: s.producer.idempotent,
    compression: s.producer.compression,
    allowAutoTopicCreation: s.producer.allow_auto_topic_creation,
    timeoutMs: s.timeout,
    logger: ctx.logger,
    scrub: secretScrubber(secrets),
  };
}

export const kafkaExporter: ExporterFactory<typeof kafkaSettings> = {
  kind: 'exporter',
  type: 'kafka',
  description: 'sends events to a Kafka topic (OTLP protobuf or JSON, or one JSON event a message)',
  settings: kafkaSettings,
  create: (s, ctx) => {
    const options = kafkajsProducerOptions(s, ctx);
    return new KafkaExporter(s, ctx, () => new KafkajsProducer(options, s.logs.topic));
  },
};
