// The full stack of docker-compose.yml, checked without a Docker engine (none runs on the test machines):
// the compose file passes `docker-compose config` (Debian's docker-compose, from scripts/test-tools.sh) and
// says what the README promises; the pipeline the stack mounts passes `ebpipe validate`; the image is built
// by the script the README's quick start runs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { projectRoot } from '../src/common/paths.js';
import { componentRegistry } from '../src/components/registry.js';
import { requirement } from './helpers/environment.js';
import { runCli } from './helpers/cli.js';

type Json = Record<string, unknown>;

const read = (file: string): string => readFileSync(join(projectRoot, file), 'utf8');

function composeMissing(): string | null {
  const found = spawnSync('docker-compose', ['version'], { stdio: 'ignore' });
  return found.status === 0 ? null : 'docker-compose is not installed (scripts/test-tools.sh installs it)';
}

/** `docker-compose config`: the file as Compose resolves it, variables filled in from `env`. */
function composeConfig(env: NodeJS.ProcessEnv = {}): Json {
  const text = execFileSync('docker-compose', ['-f', join(projectRoot, 'docker-compose.yml'), 'config'], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return parse(text) as Json;
}

let defaults: Json | undefined;
/** The compose file with its own defaults (run once: docker-compose takes seconds to start). */
const defaultConfig = (): Json => (defaults ??= composeConfig());

const service = (config: Json, name: string): Json => (config['services'] as Record<string, Json>)[name]!;
const volumesOf = (s: Json): string[] => (s['volumes'] as string[]).map(String);

describe('docker-compose.yml', () => {
  test('passes docker-compose config, with the five services on pinned images', (t) => {
    if (!requirement(t, composeMissing())) return;
    const config = defaultConfig();
    assert.deepEqual(Object.keys(config['services'] as Json).sort(), [
      'clickhouse',
      'ebpipe',
      'grafana',
      'kafka',
      'otelcol',
    ]);
    for (const name of ['clickhouse', 'grafana', 'kafka', 'otelcol']) {
      const image = String(service(config, name)['image']);
      assert.match(image, /:\d+(\.\d+)+$/, `${name}: a versioned tag, not ${image}`);
    }
    assert.equal(service(config, 'ebpipe')['image'], 'ebpipe:local');
    assert.equal((service(config, 'ebpipe')['build'] as Json)['dockerfile'], 'Dockerfile');
  });

  test('runs the agent privileged, in the host pid namespace, with the kernel filesystems it needs', (t) => {
    if (!requirement(t, composeMissing())) return;
    const ebpipe = service(defaultConfig(), 'ebpipe');
    assert.equal(ebpipe['privileged'], true);
    assert.equal(ebpipe['pid'], 'host');
    const targets = volumesOf(ebpipe).map((v) => v.split(':')[1]);
    for (const path of ['/sys/kernel/btf', '/sys/kernel/tracing', '/sys/kernel/security', '/sys/fs/bpf']) {
      assert.ok(targets.includes(path), `mounts ${path}`);
    }
    const pipeline = volumesOf(ebpipe).find((v) => v.split(':')[1] === '/etc/ebpipe/pipeline.yaml');
    assert.equal(pipeline?.split(':')[0], join(projectRoot, 'stack', 'ebpipe.yaml'));
    assert.deepEqual(ebpipe['command'], ['run', '-c', '/etc/ebpipe/pipeline.yaml']);
  });

  test('credentials come from the environment, the same ones everywhere; ports only on 127.0.0.1', (t) => {
    if (!requirement(t, composeMissing())) return;
    const config = composeConfig({
      CLICKHOUSE_USER: 'analyst',
      CLICKHOUSE_PASSWORD: 's3cret-from-env',
      GRAFANA_ADMIN_PASSWORD: 'grafana-from-env',
    });
    for (const name of ['ebpipe', 'clickhouse', 'grafana', 'otelcol']) {
      const env = service(config, name)['environment'] as Json;
      assert.deepEqual([env['CLICKHOUSE_USER'], env['CLICKHOUSE_PASSWORD']], ['analyst', 's3cret-from-env'], name);
    }
    assert.equal((service(config, 'grafana')['environment'] as Json)['GF_SECURITY_ADMIN_PASSWORD'], 'grafana-from-env');
    for (const [name, s] of Object.entries(config['services'] as Record<string, Json>)) {
      for (const port of (s['ports'] as unknown[] | undefined) ?? []) {
        assert.match(String(port), /^127\.0\.0\.1:/, `${name} publishes ${String(port)} on loopback only`);
      }
    }
  });

  test('Grafana gets the plugin of the dashboards', (t) => {
    if (!requirement(t, composeMissing())) return;
    const env = service(defaultConfig(), 'grafana')['environment'] as Json;
    assert.equal(env['GF_PLUGINS_PREINSTALL_SYNC'], 'grafana-clickhouse-datasource@4.20.0');
  });
});

// The stack's pipeline writes to the ClickHouse server (issue 11) and to Kafka (issue 10): until those
// exporters are merged, `ebpipe validate` cannot accept it, and the check below is reported as a todo.
function missingComponents(): string | undefined {
  const clickhouse = componentRegistry.get('exporter', 'clickhouse');
  const missing = [
    ...(componentRegistry.get('exporter', 'kafka') ? [] : ['the kafka exporter (issue 10)']),
    ...(clickhouse?.settings.safeParse({ endpoint: 'http://127.0.0.1:8123' }).success
      ? []
      : ['the clickhouse exporter in server mode (issue 11)']),
  ];
  return missing.length > 0 ? `needs ${missing.join(' and ')}` : undefined;
}

describe('the pipeline the stack mounts', () => {
  const todo = missingComponents();
  test('passes ebpipe validate', { ...(todo && { todo }) }, async () => {
    const result = await runCli(['validate', join(projectRoot, 'stack', 'ebpipe.yaml')], {
      CLICKHOUSE_USER: 'ebpipe',
      CLICKHOUSE_PASSWORD: 'ebpipe',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /stack\/ebpipe\.yaml: ok/);
  });

  test('serves its counters where the stack Collector scrapes them', () => {
    const pipeline = parse(read('stack/ebpipe.yaml')) as Json;
    const metrics = ((pipeline['service'] as Json)['telemetry'] as Json)['metrics'] as Json;
    const collector = read('stack/otelcol.yaml');
    assert.ok(collector.includes(`targets: [${String(metrics['address'])}]`), String(metrics['address']));
  });
});

describe('the image', () => {
  test("is built by the script the README's quick start runs", () => {
    const runs = read('Dockerfile')
      .split('\n')
      .filter((l) => l.startsWith('RUN '));
    assert.ok(
      runs.some((l) => l.includes('bash scripts/setup.sh')),
      'a build step runs scripts/setup.sh',
    );
    assert.match(read('scripts/agent.sh'), /^bash scripts\/setup\.sh$/m, 'the quick start runs it too');
    assert.match(read('README.md'), /\.\/scripts\/agent\.sh/);
  });

  test('runs the pipeline the compose file mounts', () => {
    assert.match(read('Dockerfile'), /^CMD \["run", "-c", "\/etc\/ebpipe\/pipeline\.yaml"\]$/m);
    assert.match(read('Dockerfile'), /^ENTRYPOINT \["ebpipe"\]$/m);
  });
});

describe('README', () => {
  test('says how to bring the stack up, where it answers and how to change the credentials', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Grafana and a full stack'));
    assert.ok(readme.includes('## Grafana and a full stack'));
    for (const text of [
      'docker compose up -d --build',
      'http://localhost:3000',
      'GRAFANA_ADMIN_PASSWORD',
      'CLICKHOUSE_PASSWORD',
    ]) {
      assert.ok(section.includes(text), `mentions ${text}`);
    }
  });
});
