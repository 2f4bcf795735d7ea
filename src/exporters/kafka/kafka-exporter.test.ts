import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComponentSettingsError } from '../../pipeline/component.js';
import { testContext } from '../../testing/pipeline.js';
import { agentResource } from '../otel/resource.js';
import { kafkaSettings } from './config.js';
import { kafkaExporter } from './kafka-exporter.js';

const ctx = { ...testContext('kafka/siem'), resource: agentResource() };

describe('kafka exporter creation', () => {
  it('a TLS file that cannot be read stops start-up naming the file, line and key', () => {
    const settings = kafkaSettings.parse({ tls: { ca_file: 'no-such-ca.pem' } });
    assert.throws(
      () => kafkaExporter.create(settings, ctx),
      (err: unknown) =>
        err instanceof ComponentSettingsError &&
        err.path === 'exporters.kafka/siem.tls.ca_file' &&
        /^test\.yaml:1:1: exporters\.kafka\/siem\.tls\.ca_file: reading .*no-such-ca\.pem: /.test(err.message),
    );
  });

  it('tls.insecure means plaintext: no file is read', () => {
    const settings = kafkaSettings.parse({ tls: { insecure: true, ca_file: 'no-such-ca.pem' } });
    assert.doesNotThrow(() => kafkaExporter.create(settings, ctx));
  });
});
