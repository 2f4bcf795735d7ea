// MessageProducer on kafkajs. One produce request in flight per broker, so messages of one key
// stay in order through retries; the idempotent producer (on by default) lets the broker drop what
// kafkajs's own retries of a request repeat. kafkajs retries a request a few times within one
// attempt (leader changes, a broker restarting); longer outages are the pipeline's retry_on_failure.
// Its log goes to ours at debug level, scrubbed: failures reach the operator as ExportErrors.
import kafkajs, { type LogEntry, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../telemetry/logger.js';
import type { ClientTls } from '../tls/tls-settings.js';
import type { KafkaCompression } from './config.js';
import { compressionType } from './kafkajs-codecs.js';
import { exportErrorOf, type ErrorContext } from './kafkajs-errors.js';
import type { MessageProducer, OutgoingMessage } from './producer.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

export interface SaslCredentials {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
}

export interface KafkajsProducerOptions {
  exporterId: string;
  brokers: readonly string[];
  clientId: string;
  tls: ClientTls | undefined;
  sasl: SaslCredentials | undefined;
  acks: -1 | 0 | 1;
  idempotent: boolean;
  compression: KafkaCompression;
  allowAutoTopicCreation: boolean;
  /** Connection, request and broker-side ack timeout. */
  timeoutMs: number;
  logger: Logger;
  scrub: (text: string) => string;
}

// A few quick retries inside one attempt ride out a leader election or a reconnect (about 3 s in all).
const CLIENT_RETRY = { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 };

function saslOptions(sasl: SaslCredentials): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export class KafkajsProducer implements MessageProducer {
  private readonly producer: Producer;
  private readonly errors: ErrorContext;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly options: KafkajsProducerOptions,
    topic: string,
  ) {
    const { exporterId, logger, scrub } = options;
    this.errors = {
      exporterId,
      brokers: options.brokers,
      topic,
      sasl: options.sasl && { mechanism: options.sasl.mechanism, username: options.sasl.username },
      scrub,
    };
    const kafka = new Kafka({
      brokers: [...options.brokers],
      clientId: options.clientId,
      ...(options.tls && { ssl: { ...options.tls } }),
      ...(options.sasl && { sasl: saslOptions(options.sasl) }),
      connectionTimeout: options.timeoutMs,
      authenticationTimeout: options.timeoutMs,
      requestTimeout: options.timeoutMs,
      retry: CLIENT_RETRY,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, log }: LogEntry) => {
          const { message, broker, error } = log as { message: string; broker?: string; error?: string };
          const fields: Record<string, unknown> = { exporter: exporterId, kafkajs: namespace };
          if (broker !== undefined) fields['broker'] = broker;
          if (error !== undefined) fields['err'] = scrub(error);
          logger.debug(fields, scrub(message));
        },
    });
    this.producer = kafka.producer({
      idempotent: options.idempotent,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: options.allowAutoTopicCreation,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: CLIENT_RETRY,
    });
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
    } catch (err) {
      throw exportErrorOf(err, this.errors);
    }
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    try {
      await this.producer.send({
        topic,
        messages: messages as OutgoingMessage[],
        acks: this.options.acks,
        timeout: this.options.timeoutMs,
        compression: compressionType(this.options.compression),
      });
    } catch (err) {
      throw exportErrorOf(err, this.errors);
    }
  }

  close(): Promise<void> {
    this.closed ??= this.producer.disconnect().catch((err: unknown) => {
      this.options.logger.debug(
        { exporter: this.options.exporterId, err: this.options.scrub(String(err)) },
        'closing the kafka producer',
      );
    });
    return this.closed;
  }
}
