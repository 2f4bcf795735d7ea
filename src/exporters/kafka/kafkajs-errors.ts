// A kafkajs failure as the pipeline's ExportError: what it means for the batch (retried, or
// dropped for good) and a message that names the exporter, what failed and why, with every
// secret scrubbed. The raw client error is not attached: its fields may quote what it was given.
import { ExportError } from '../../pipeline/component.js';

export interface ErrorContext {
  /** `kafka` or `kafka/<name>`, as the pipeline file says. */
  exporterId: string;
  brokers: readonly string[];
  topic: string;
  sasl: { mechanism: string; username: string } | undefined;
  scrub: (text: string) => string;
}

interface ClientError {
  name?: string;
  message?: string;
  type?: string;
  retriable?: boolean;
  cause?: ClientError;
}

const AUTH_TYPES = new Set(['SASL_AUTHENTICATION_FAILED', 'ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM']);
const DENIED_TYPES = new Set(['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED']);
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
const UNREACHABLE_NAMES = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound']);

/** kafkajs wraps the last failure of its own retries; that failure says what went wrong. */
function innermost(err: unknown): ClientError {
  let e = (err ?? {}) as ClientError;
  while (e.name === 'KafkaJSNumberOfRetriesExceeded' && e.cause && e.cause !== e) e = e.cause;
  return e;
}

export function exportErrorOf(err: unknown, ctx: ErrorContext): ExportError {
  const e = innermost(err);
  const reason = ctx.scrub(e.message ?? String(err));
  const fail = (code: string, permanent: boolean, what: string) =>
    new ExportError(code, `exporters.${ctx.exporterId}: ${what}: ${reason}`, { permanent });

  if (e.name === 'KafkaJSSASLAuthenticationError' || (e.type !== undefined && AUTH_TYPES.has(e.type))) {
    const who = ctx.sasl ? `sasl ${ctx.sasl.mechanism} authentication as "${ctx.sasl.username}"` : 'authentication';
    return fail('KAFKA_AUTH_FAILED', true, `${who} refused by ${ctx.brokers.join(',')}`);
  }
  if (e.type !== undefined && DENIED_TYPES.has(e.type)) {
    return fail('KAFKA_NOT_AUTHORIZED', true, `not allowed to write to topic "${ctx.topic}"`);
  }
  if (e.type !== undefined && TOO_LARGE_TYPES.has(e.type)) {
    return fail(
      'KAFKA_MESSAGE_TOO_LARGE',
      true,
      `the broker refused a request as too large (set producer.max_message_bytes below the topic's max.message.bytes)`,
    );
  }
  if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return fail(
      'KAFKA_UNKNOWN_TOPIC',
      false,
      `topic "${ctx.topic}" does not exist and was not created (create it, or allow auto-creation)`,
    );
  }
  if (e.name === 'KafkaJSRequestTimeoutError' || e.type === 'REQUEST_TIMED_OUT') {
    return fail('KAFKA_TIMEOUT', false, `no answer from ${ctx.brokers.join(',')} in time`);
  }
  if (e.name !== undefined && UNREACHABLE_NAMES.has(e.name)) {
    return fail('KAFKA_UNREACHABLE', false, `cannot reach brokers ${ctx.brokers.join(',')}`);
  }
  if (e.name === 'KafkaJSProtocolError' && e.retriable === false) {
    return fail(`KAFKA_${e.type ?? 'PROTOCOL_ERROR'}`, true, `the broker refused the messages`);
  }
  return fail('KAFKA_SEND_FAILED', false, `producing to ${ctx.brokers.join(',')} failed`);
}
