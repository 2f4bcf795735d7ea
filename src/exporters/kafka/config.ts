// `kafka` settings: the OpenTelemetry Collector's kafka exporter's names (configkafka's client and
// producer settings, the logs signal's topic and encoding), with ebpipe's defaults where safety asks
// for them (acks from all replicas, the idempotent producer). Every option is described in README.md.
import { z } from 'zod';
import { duration } from '../../common/units.js';
import { exporterHelperSettings, timeoutSetting } from '../../pipeline/exporter-settings.js';
import { tlsSettings } from '../tls/tls-settings.js';

/** What a message's value holds (encodings.ts). */
export const KAFKA_ENCODINGS = ['otlp_proto', 'otlp_json', 'json', 'ocsf'] as const;
export type KafkaEncoding = (typeof KAFKA_ENCODINGS)[number];

/** The message key: none (the partitioner spreads messages), the host, or the process image. */
export const MESSAGE_KEYS = ['none', 'host.name', 'ebpipe.exec_id'] as const;
export type MessageKeyChoice = (typeof MESSAGE_KEYS)[number];

export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

const hostPort = z.string().regex(/^[^\s/:]+:\d{1,5}$/, 'expected host:port');

const logs = z
  .object({
    /** The topic every event goes to. */
    topic: z.string().min(1).default('otlp_logs'),
    /** otlp_proto (an ExportLogsServiceRequest, what the Collector's kafka receiver reads), otlp_json, json (one event a message) or ocsf (one OCSF event a message). */
    encoding: z.enum(KAFKA_ENCODINGS).default('otlp_proto'),
    /** ebpipe's: key messages by nothing, the resource's host.name, or the event's ebpipe.exec_id (one process's events in order on one partition). */
    message_key: z.enum(MESSAGE_KEYS).default('none'),
  })
  .strict();

// The Collector takes "all" as an alias for -1.
const requiredAcks = z
  .union([z.literal('all'), z.literal(-1), z.literal(0), z.literal(1)])
  .transform((acks) => (acks === 'all' ? -1 : acks));

const producer = z
  .object({
    /** The codec of record batches: none, gzip, snappy, lz4 or zstd. */
    compression: z.enum(KAFKA_COMPRESSIONS).default('none'),
    /** all (-1): every in-sync replica has the batch before it counts as delivered; 1: the leader only; 0: no answer awaited. */
    required_acks: requiredAcks.default(-1),
    /** ebpipe's: the idempotent producer (the broker drops what a retried request repeats); needs required_acks all. */
    idempotent: z.boolean().default(true),
    /** Largest message (value and key, before compression) and largest produce request per partition. */
    max_message_bytes: z.number().int().min(1024).default(1_000_000),
    /** Most messages in one produce request. */
    flush_max_messages: z.number().int().positive().default(10_000),
    /** How long messages wait for those of other exports in flight before their request is sent; 0 sends at once. */
    linger: duration().default(0),
    /** Let the broker create logs.topic when it does not exist (if the broker allows it too). */
    allow_auto_topic_creation: z.boolean().default(true),
  })
  .strict();

const sasl = z
  .object({
    mechanism: z.enum(SASL_MECHANISMS),
    username: z.string().min(1),
    /** Write it as ${env:VAR}; it never reaches a log line or an error. */
    password: z.string().min(1),
  })
  .strict();

export const kafkaSettings = exporterHelperSettings()
  .extend({
    /** Bootstrap brokers, host:port each. */
    brokers: z.array(hostPort).min(1).default(['localhost:9092']),
    /** The client id the brokers see (ACLs, quotas, their logs). */
    client_id: z.string().min(1).default('ebpipe'),
    logs: logs.prefault({}),
    /** Key each message with a hash of the resource's attributes (the Collector's option); excludes logs.message_key. */
    partition_logs_by_resource_attributes: z.boolean().default(false),
    producer: producer.prefault({}),
    auth: z.object({ sasl: sasl.optional() }).strict().prefault({}),
    /** TLS to the brokers; left out, the connection is plaintext (as the Collector's). */
    tls: tlsSettings.optional(),
    /** How long one produce request (and the broker's wait for replicas) may take before it is retried. */
    timeout: timeoutSetting(5000),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.producer.idempotent && s.producer.required_acks !== -1) {
      ctx.addIssue({
        code: 'custom',
        path: ['producer', 'idempotent'],
        message: 'the idempotent producer needs required_acks: all (or set idempotent: false)',
      });
    }
    if (s.partition_logs_by_resource_attributes && s.logs.message_key !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['partition_logs_by_resource_attributes'],
        message: 'partition_logs_by_resource_attributes and logs.message_key both set the key: choose one',
      });
    }
  });

export type KafkaSettings = z.output<typeof kafkaSettings>;
