import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hecUrls, splunkHecSettings } from './config.js';

const minimal = { endpoint: 'https://splunk.example:8088', token: 'secret-token' };

describe('splunk_hec settings', () => {
  it("takes the Collector's defaults, acknowledgement off, ten exports at once", () => {
    const s = splunkHecSettings.parse(minimal);
    assert.equal(s.source, '');
    assert.equal(s.encoding, 'record');
    assert.equal(s.sourcetype, undefined);
    assert.equal(s.index, '');
    assert.equal(s.disable_compression, false);
    assert.equal(s.max_content_length_logs, 2 * 2 ** 20);
    assert.equal(s.timeout, 10_000);
    assert.equal(s.health_check_enabled, false);
    assert.equal(s.health_path, '/services/collector/health');
    assert.deepEqual(s.acknowledgements, { enabled: false, query_interval: 1000, timeout: 300_000, max_pending: 1000 });
    assert.equal(s.sending_queue.num_consumers, 10);
  });

  it('reads sizes and durations with units', () => {
    const s = splunkHecSettings.parse({
      ...minimal,
      max_content_length_logs: '64KiB',
      timeout: '2s',
      acknowledgements: { enabled: true, query_interval: '250ms', timeout: '1m', max_pending: 5 },
    });
    assert.equal(s.max_content_length_logs, 65_536);
    assert.equal(s.timeout, 2000);
    assert.deepEqual(s.acknowledgements, { enabled: true, query_interval: 250, timeout: 60_000, max_pending: 5 });
  });

  it('refuses a missing or empty token, a non-HTTP endpoint, unknown keys and a limit over 800MiB', () => {
    for (const bad of [
      { endpoint: minimal.endpoint },
      { ...minimal, token: '' },
      { ...minimal, endpoint: 'tcp://splunk:8088' },
      { ...minimal, acknowledgement: { enabled: true } },
      { ...minimal, acknowledgements: { query_interval: '1ms' } },
      { ...minimal, max_content_length_logs: '801MiB' },
    ]) {
      assert.equal(splunkHecSettings.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('puts events at /services/collector when the endpoint names no path, and acks beside them', () => {
    const urls = (endpoint: string) => {
      const u = hecUrls(splunkHecSettings.parse({ ...minimal, endpoint }));
      return [u.events.href, u.acks.href, u.health.href];
    };
    assert.deepEqual(urls('https://splunk:8088'), [
      'https://splunk:8088/services/collector',
      'https://splunk:8088/services/collector/ack',
      'https://splunk:8088/services/collector/health',
    ]);
    assert.deepEqual(urls('http://splunk:8088/services/collector/event'), [
      'http://splunk:8088/services/collector/event',
      'http://splunk:8088/services/collector/ack',
      'http://splunk:8088/services/collector/health',
    ]);
  });
});
