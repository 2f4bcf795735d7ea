import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { componentRegistry } from '../src/components/registry.js';
import { ConfigError, formatIssue } from '../src/config/config-error.js';
import { parsePipelineConfig } from '../src/config/pipeline-config.js';
import type { KafkaSettings } from '../src/exporters/kafka/config.js';

const SERVICE = `
service:
  pipelines:
    logs: { receivers: [replay], exporters: [kafka] }
`;

function parse(kafka: string, env: NodeJS.ProcessEnv = {}) {
  const text = `receivers:\n  replay: { path: capture.bin }\nexporters:\n  kafka:\n${kafka}${SERVICE}`;
  return parsePipelineConfig(text, 'pipeline.yaml', componentRegistry, env);
}

function errorsOf(kafka: string): string[] {
  try {
    parse(kafka);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors.map(formatIssue);
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('kafka settings', () => {
  it('default to the Collector names, with acks from all replicas and the idempotent producer', () => {
    const s = parse('    brokers: [broker-1:9092]\n').exporters.get('kafka')?.settings as KafkaSettings;
    assert.deepEqual(s.brokers, ['broker-1:9092']);
    assert.equal(s.client_id, 'ebpipe');
    assert.deepEqual(s.logs, { topic: 'otlp_logs', encoding: 'otlp_proto', message_key: 'none' });
    assert.equal(s.partition_logs_by_resource_attributes, false);
    assert.deepEqual(s.producer, {
      compression: 'none',
      required_acks: -1,
      idempotent: true,
      max_message_bytes: 1_000_000,
      flush_max_messages: 10_000,
      linger: 0,
      allow_auto_topic_creation: true,
    });
    assert.deepEqual(s.auth, {});
    assert.equal(s.tls, undefined);
    assert.equal(s.timeout, 5000);
    assert.equal(s.sending_queue.enabled, true);
    assert.equal(s.retry_on_failure.enabled, true);
  });

  it('take the SASL password from the environment and "all" as acks -1', () => {
    const s = parse(
      [
        '    producer: { required_acks: all, compression: lz4, linger: 5ms }',
        '    auth:',
        '      sasl: { mechanism: SCRAM-SHA-512, username: ebpipe, password: "${env:KAFKA_PASSWORD}" }',
        '',
      ].join('\n'),
      { KAFKA_PASSWORD: 's3cret' },
    ).exporters.get('kafka')?.settings as KafkaSettings;
    assert.equal(s.producer.required_acks, -1);
    assert.equal(s.producer.linger, 5);
    assert.deepEqual(s.auth.sasl, { mechanism: 'SCRAM-SHA-512', username: 'ebpipe', password: 's3cret' });
  });

  it('name the line and key of settings that contradict each other or are unknown', () => {
    assert.deepEqual(
      errorsOf(
        [
          '    producer: { required_acks: 1 }',
          '    partition_logs_by_resource_attributes: true',
          '    logs: { message_key: host.name, encoding: avro }',
          '',
        ].join('\n'),
      ),
      [
        'pipeline.yaml:7:47: exporters.kafka.logs.encoding: expected one of "otlp_proto", "otlp_json", "json", "ocsf", got "avro"',
      ],
    );
    const errors = errorsOf(
      [
        '    producer: { required_acks: 1 }',
        '    partition_logs_by_resource_attributes: true',
        '    logs: { message_key: host.name }',
        '',
      ].join('\n'),
    );
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(
      errors[0] ?? '',
      /^pipeline\.yaml:5:\d+: exporters\.kafka\.producer\.idempotent: .*required_acks: all/,
    );
    assert.match(
      errors[1] ?? '',
      /^pipeline\.yaml:6:\d+: exporters\.kafka\.partition_logs_by_resource_attributes: .*choose one/,
    );
    assert.match(
      errorsOf('    auth: { sasl: { mechanism: GSSAPI, username: u, password: p } }\n')[0] ?? '',
      /auth\.sasl\.mechanism/,
    );
    assert.match(
      errorsOf('    brokers: ["http://broker:9092"]\n')[0] ?? '',
      /5:15: exporters\.kafka\.brokers\[0\]: expected host:port/,
    );
  });
});
