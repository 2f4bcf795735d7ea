import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CounterRegistry } from './counters.js';
import { MetricsEndpoint, prometheusText } from './prometheus.js';

test('counters render as Prometheus text with escaped labels', () => {
  const counters = new CounterRegistry();
  counters.counter('exporter_sent_events_total', { exporter: 'file/a' }).add(3);
  counters.counter('exporter_sent_events_total', { exporter: 'say "hi"\n' }).add(1);
  assert.equal(
    prometheusText(counters.snapshot()),
    '# TYPE ebpipe_exporter_sent_events_total counter\n' +
      'ebpipe_exporter_sent_events_total{exporter="file/a"} 3\n' +
      'ebpipe_exporter_sent_events_total{exporter="say \\"hi\\"\\n"} 1\n',
  );
});

test('the endpoint serves /metrics over HTTP', async () => {
  const counters = new CounterRegistry();
  counters.counter('receiver_accepted_events_total', { receiver: 'ebpf' }).add(42);
  const endpoint = await MetricsEndpoint.listen('127.0.0.1:0', counters);
  try {
    const res = await fetch(`http://127.0.0.1:${endpoint.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^ebpipe_receiver_accepted_events_total\{receiver="ebpf"\} 42$/m);
  } finally {
    await endpoint.close();
  }
});
