import assert from 'node:assert/strict';
import { test } from 'node:test';

import { componentRegistry } from '../src/components/registry.js';
import { ConfigError, formatIssue } from '../src/config/config-error.js';
import { parsePipelineConfig } from '../src/config/pipeline-config.js';

function pipeline(exporter: string): string {
  return `receivers:
  ebpf:
exporters:
  clickhouse:
${exporter
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
service:
  pipelines:
    logs:
      receivers: [ebpf]
      exporters: [clickhouse]
`;
}

function errorsOf(exporter: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parsePipelineConfig(pipeline(exporter), 'pipeline.yaml', componentRegistry, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.errors.map(formatIssue);
    throw error;
  }
  assert.fail('expected a ConfigError');
}

function settingsOf(exporter: string, env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const config = parsePipelineConfig(pipeline(exporter), 'pipeline.yaml', componentRegistry, env);
  return config.exporters.get('clickhouse')?.settings as Record<string, unknown>;
}

test('path and endpoint together are an error naming the file, line and key', () => {
  assert.deepEqual(errorsOf('path: /var/lib/x\nendpoint: http://ch:8123'), [
    'pipeline.yaml:6:15: exporters.clickhouse.endpoint: set path (embedded engine) or endpoint (ClickHouse server), not both',
  ]);
});

test('settings only a server has are refused beside the embedded engine, and query_socket beside a server', () => {
  assert.deepEqual(errorsOf('path: /tmp/s\ncluster_name: fleet\nasync_insert: true'), [
    'pipeline.yaml:6:19: exporters.clickhouse.cluster_name: cluster_name applies to a ClickHouse server: set endpoint, or remove cluster_name',
    'pipeline.yaml:7:19: exporters.clickhouse.async_insert: async_insert applies to a ClickHouse server: set endpoint, or remove async_insert',
  ]);
  assert.deepEqual(errorsOf('endpoint: http://ch:8123\nquery_socket: false'), [
    'pipeline.yaml:6:19: exporters.clickhouse.query_socket: query_socket applies to the embedded engine (path), not to a server',
  ]);
});

test('endpoints are http(s) URLs without credentials; compress is what the HTTP client does', () => {
  assert.deepEqual(errorsOf('endpoint: tcp://ch:9000'), [
    'pipeline.yaml:5:15: exporters.clickhouse.endpoint: expected an http:// or https:// URL such as http://clickhouse:8123, got "tcp://ch:9000"',
  ]);
  assert.match(
    errorsOf('endpoint: http://u:secret@ch:8123')[0] ?? '',
    /put the user in username and the password in password/,
  );
  assert.doesNotMatch(errorsOf('endpoint: http://u:secret@ch:8123')[0] ?? '', /secret/);
  assert.match(
    errorsOf('endpoint: http://ch:8123\ncompress: lz4')[0] ?? '',
    /^pipeline.yaml:6:15: exporters.clickhouse.compress: /,
  );
});

test("the Collector's options parse: several endpoints, a password from the environment, ttl, engine, cluster", () => {
  const s = settingsOf(
    `endpoint: [http://ch-1:8123, https://ch-2:8443]
username: ebpipe
password: \${env:CH_PASSWORD}
database: security
logs_table_name: events
ttl: 72h
create_schema: false
cluster_name: fleet
table_engine:
  name: ReplicatedMergeTree
  params: "'/clickhouse/{shard}/events', '{replica}'"
async_insert: false
compress: gzip
timeout: 10s`,
    { CH_PASSWORD: 'from-the-env' },
  );
  assert.deepEqual(s['endpoint'], ['http://ch-1:8123', 'https://ch-2:8443']);
  assert.equal(s['password'], 'from-the-env');
  assert.equal(s['ttl'], 72 * 3_600_000);
  assert.equal(s['timeout'], 10_000);
  assert.deepEqual(s['table_engine'], {
    name: 'ReplicatedMergeTree',
    params: "'/clickhouse/{shard}/events', '{replica}'",
  });
  const embedded = settingsOf('path: ./store');
  assert.equal(embedded['database'], 'ebpipe');
  assert.equal(embedded['logs_table_name'], 'otel_logs');
  assert.equal(embedded['create_schema'], true);
  assert.equal(embedded['ttl'], 0);
});
