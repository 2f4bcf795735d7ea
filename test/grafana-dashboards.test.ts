// Every query of every shipped dashboard, expanded as Grafana and the ClickHouse plugin expand it
// (src/testing/grafana-query.ts), runs on the real engine (chdb) and returns the rows it is meant to show:
//   - otel_logs rows of a two-host security story (src/testing/security-scenario.ts) made by ebpipe's own
//     decoder, enricher and record mapping, stored by the embedded store;
//   - otel_metrics_sum rows from scrapes of a running agent's /metrics (`ebpipe run` replaying web-1's
//     records into nop and into an exporter whose server is down, plus one record the decoder skips), laid
//     out as the stack's Collector stores them (src/testing/collector-metrics.ts).
// A panel without an expectation here fails the test: a new panel comes with what it must show.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { localCaptureHeader } from '../src/capture/capture-format.js';
import { CaptureWriter } from '../src/capture/capture-writer.js';
import { frameBatch } from '../src/events/encode.js';
import { LAYOUTS } from '../src/events/generated/abi.js';
import { EmbeddedClickHouseStore } from '../src/store/embedded-store.js';
import {
  METRICS_SUM_LAYOUTS,
  parsePrometheusCounters,
  storeScrapes,
  type MetricsSumLayout,
  type Scrape,
} from '../src/testing/collector-metrics.js';
import { panelQueries, variableQueries } from '../src/testing/grafana-dashboards.js';
import { ALL, interpolateQuery, type VariableValue } from '../src/testing/grafana-query.js';
import {
  DOCKER_CONTAINER,
  LONG_SCRIPT,
  POD,
  SCENARIO_END_MS,
  SCENARIO_START_MS,
  securityScenario,
  type SecurityScenario,
} from '../src/testing/security-scenario.js';
import { startCli } from './helpers/cli.js';

type Row = Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), 'ebpipe-grafana-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const POD_NAME = `${POD.namespace}/${POD.name}`;
const ALL_VARIABLES: Record<string, VariableValue> = {
  host: [ALL],
  container: [ALL],
  binary: [ALL],
  user: [ALL],
  exec_id: '',
};

let store: EmbeddedClickHouseStore;
let scenario: SecurityScenario;
let scrapes: Scrape[] = [];

interface Dashboard {
  /** The dashboard time range and the panel interval Grafana would compute; default: the scenario's hour. */
  fromMs?: number;
  toMs?: number;
  intervalMs?: number;
  variables?: Record<string, VariableValue>;
}

async function rows(rawSql: string, state: Dashboard = {}): Promise<Row[]> {
  const sql = interpolateQuery(rawSql, {
    fromMs: state.fromMs ?? SCENARIO_START_MS,
    toMs: state.toMs ?? SCENARIO_END_MS,
    intervalMs: state.intervalMs ?? 60_000,
    variables: { ...ALL_VARIABLES, ...state.variables },
  });
  const text = await store.query(sql, 'JSONEachRow');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

/** The named columns of each row, as text (ClickHouse writes 64-bit integers as JSON strings). */
const pick = (result: Row[], ...columns: string[]): string[][] => result.map((r) => columns.map((c) => String(r[c])));
const column = (result: Row[], name: string): string[] => result.map((r) => String(r[name]));

/** Sum of a time series' value times the interval (s), per series: what the panel's bars add up to. */
function totals(result: Row[], series: string, value: string, intervalS = 60): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of result) out[String(r[series])] = (out[String(r[series])] ?? 0) + Number(r[value]) * intervalS;
  for (const k in out) out[k] = Math.round(out[k]!);
  return out;
}

function variableQuery(dashboard: string, variable: string): string {
  const found = variableQueries().find((q) => q.dashboard === dashboard && q.variable === variable);
  assert.ok(found, `${dashboard} has a variable ${variable}`);
  return found.rawSql;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A record no decoder knows: the op is past every defined one. */
function unknownRecord(like: Buffer): Buffer {
  const record = Buffer.from(like);
  record.writeUInt16LE(99, LAYOUTS['event_header']!.fields['op']!.offset);
  return record;
}

const total = (scrape: Scrape, name: string, labels: Record<string, string>): number =>
  scrape.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);

/** More than a second, so that every scrape has its own time in both table layouts. */
const SCRAPE_INTERVAL_MS = 1100;

/**
 * Runs `ebpipe run` on a replay of web-1's records (paced, so the counters move between scrapes) into nop
 * and into otlphttp towards a closed port, retries off; scrapes /metrics until everything is settled.
 */
async function scrapeRunningAgent(records: readonly Buffer[], clockOffsetNs: bigint): Promise<Scrape[]> {
  const capture = join(dir, 'web-1.ebcap');
  const writer = await CaptureWriter.create(capture, localCaptureHeader(clockOffsetNs));
  const batches: Buffer[][] = [];
  for (let i = 0; i < records.length; i += 6) batches.push([...records.slice(i, i + 6)]);
  batches[2]!.push(unknownRecord(records[0]!));
  for (const batch of batches) await writer.append(frameBatch(batch), batch.length);
  await writer.close();
  const recordCount = records.length + 1;

  const [metricsPort, closedPort] = [await freePort(), await freePort()];
  const pipeline = join(dir, 'metrics.yaml');
  writeFileSync(
    pipeline,
    `receivers:
  replay:
    path: ${capture}
    rate: 10
processors:
  decode:
exporters:
  nop:
  otlphttp/down:
    endpoint: http://127.0.0.1:${closedPort}
    retry_on_failure:
      enabled: false
service:
  pipelines:
    logs:
      receivers: [replay]
      processors: [decode]
      exporters: [nop, otlphttp/down]
  telemetry:
    logs:
      level: warn
    metrics:
      address: 127.0.0.1:${metricsPort}
`,
  );
  const agent = startCli(['run', '-c', pipeline]);
  const taken: Scrape[] = [];
  const scrape = async (): Promise<Scrape | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      const s = { timeMs: Date.now(), samples: parsePrometheusCounters(await res.text()) };
      taken.push(s);
      return s;
    } catch {
      return undefined; // not listening yet
    }
  };
  const settled = (s: Scrape | undefined): boolean =>
    s !== undefined &&
    total(s, 'ebpipe_receiver_accepted_events_total', {}) === recordCount &&
    ['nop', 'otlphttp/down'].every(
      (exporter) =>
        total(s, 'ebpipe_exporter_received_events_total', { exporter }) === records.length &&
        total(s, 'ebpipe_exporter_sent_events_total', { exporter }) +
          total(s, 'ebpipe_exporter_dropped_events_total', { exporter }) ===
          records.length,
    );
  try {
    const deadline = Date.now() + 60_000;
    while (!settled(await scrape())) {
      assert.ok(Date.now() < deadline, 'the agent settled every event within a minute');
      await delay(SCRAPE_INTERVAL_MS);
    }
    await delay(SCRAPE_INTERVAL_MS);
    await scrape();
  } finally {
    agent.child.kill('SIGTERM');
    const { code, stderr } = await agent.done;
    assert.equal(code, 0, stderr);
  }
  return taken;
}

before(async () => {
  scenario = securityScenario(dir);
  scrapes = await scrapeRunningAgent(scenario.web1Records, scenario.clockOffsetNs);
  store = new EmbeddedClickHouseStore({ path: join(dir, 'store') });
  await store.init();
  const inserted = await store.insert(scenario.rows);
  assert.deepEqual([inserted.inserted, inserted.rejected.length], [scenario.rows.length, 0]);
});

/** Runs `check` over the scrapes stored in each layout of the Collector's otel_metrics_sum. */
async function inEachLayout(check: (layout: MetricsSumLayout) => Promise<void>): Promise<void> {
  for (const layout of Object.keys(METRICS_SUM_LAYOUTS) as MetricsSumLayout[]) {
    await storeScrapes(store, { job: 'ebpipe', instance: '127.0.0.1:9464' }, scrapes, layout);
    await check(layout);
  }
}
after(() => store.close());

/** What each panel must show, by dashboard uid and panel title. */
const expectations: Record<string, (sql: string) => Promise<void>> = {
  // ---- process activity
  'ebpipe-process/Execs per second': async (sql) => {
    assert.deepEqual(totals(await rows(sql), 'host', 'execs'), { 'web-1': 18, 'web-2': 2 });
  },
  'ebpipe-process/Top binaries': async (sql) => {
    const result = await rows(sql);
    assert.deepEqual(pick(result.slice(0, 2), 'binary', 'execs', 'hosts', 'users'), [
      ['/usr/bin/cat', '3', '1', '2'],
      ['/bin/bash', '2', '1', '2'],
    ]);
    assert.equal(result.length, 17);
    assert.ok(!column(result, 'binary').includes('/usr/sbin/cron'), 'cron ran before the time range only');
    const web2 = await rows(sql, { variables: { host: ['web-2'] } });
    assert.deepEqual(pick(web2, 'binary', 'execs'), [
      ['/usr/bin/ls', '1'],
      ['/usr/local/bin/xmrig', '1'],
    ]);
  },
  'ebpipe-process/Top users': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'user', 'execs', 'binaries'), [
      ['root', '8', '8'],
      ['alice', '7', '6'],
      ['www-data', '3', '3'],
      ['bob', '1', '1'],
      ['nobody', '1', '1'],
    ]);
    const cat = await rows(sql, { variables: { binary: ['/usr/bin/cat'] } });
    assert.deepEqual(pick(cat, 'user', 'execs'), [
      ['alice', '2'],
      ['root', '1'],
    ]);
  },
  'ebpipe-process/New binaries on a host': async (sql) => {
    const result = await rows(sql);
    const web1 = result.filter((r) => r['host'] === 'web-1').map((r) => String(r['binary']));
    assert.deepEqual(web1.sort(), [
      '/bin/bash',
      '/bin/sh',
      '/tmp/x',
      '/usr/bin/cat',
      '/usr/bin/less',
      '/usr/bin/passwd',
      '/usr/bin/python3',
      '/usr/bin/sudo',
      '/usr/bin/vi',
      '/usr/bin/wget',
      '/usr/local/bin/api',
      '/usr/sbin/insmod',
      '/usr/sbin/nginx',
      '/usr/sbin/sshd',
    ]);
    assert.ok(!web1.includes('/usr/bin/curl'), 'web-1 ran curl two hours before');
    assert.deepEqual(
      pick(
        result.filter((r) => r['host'] === 'web-2'),
        'binary',
        'users',
      ),
      [['/usr/local/bin/xmrig', 'nobody']],
      'web-2 ran ls before: only the miner is new',
    );
    assert.deepEqual(pick([result[0]!], 'binary', 'first_seen'), [['/usr/bin/less', '2026-03-02 09:30:00.000000000']]);
  },
  'ebpipe-process/Process tree': async (sql) => {
    const execId = scenario.execIds.get('web-1/201')!;
    const result = await rows(sql, { variables: { exec_id: execId } });
    assert.deepEqual(pick(result, 'depth', 'pid', 'user', 'tree'), [
      ['-2', '1', '', '/usr/lib/systemd/systemd'],
      ['-1', '200', '', '    /usr/sbin/sshd'],
      ['0', '201', 'alice', '        /bin/bash'],
      ['1', '202', 'alice', '            /usr/bin/curl'],
      ['1', '203', 'alice', '            /usr/bin/sudo'],
      ['1', '208', 'alice', '            /usr/bin/python3'],
      ['1', '209', 'alice', '            /usr/bin/passwd'],
      ['1', '210', 'alice', '            /usr/bin/cat'],
      ['1', '211', 'alice', '            /usr/bin/cat'],
      ['2', '204', 'root', '                /bin/bash'],
      ['3', '205', 'root', '                    /usr/bin/cat'],
      ['3', '206', 'root', '                    /usr/bin/vi'],
      ['3', '207', 'root', '                    /usr/sbin/insmod'],
      ['3', '212', 'root', '                    /usr/bin/less'],
    ]);
    assert.equal(result[2]!['exec_id'], execId);
    assert.equal(result[11]!['command_line'], '/usr/bin/vi /etc/hosts');
    const nginx = await rows(sql, { variables: { exec_id: scenario.execIds.get('web-1/300')! } });
    assert.deepEqual(pick(nginx, 'depth', 'pid'), [
      ['-1', '1'],
      ['0', '300'],
      ['1', '301'],
      ['2', '302'],
      ['2', '303'],
    ]);
    assert.deepEqual(await rows(sql), [], 'no exec id set: nothing');
  },
  'ebpipe-process/Long command lines': async (sql) => {
    const result = await rows(sql);
    const command = `/usr/bin/python3 -c ${LONG_SCRIPT}`;
    assert.deepEqual(pick(result, 'binary', 'user', 'length', 'truncated'), [
      ['/usr/bin/python3', 'alice', String(command.length), '0'],
    ]);
    assert.equal(result[0]!['command_line'], command.slice(0, 300));
    assert.equal(result[0]!['exec_id'], scenario.execIds.get('web-1/208'));
  },
  'ebpipe-process/Recent execs': async (sql) => {
    const result = await rows(sql);
    assert.equal(result.length, 20, 'every exec of the time range, none from before');
    assert.deepEqual(pick([result[0]!], 'binary', 'pid', 'command_line'), [
      ['/usr/bin/less', '212', '/usr/bin/less /etc/shadow'],
    ]);
    const bash = result.find((r) => r['pid'] === 201);
    assert.equal(bash?.['exec_id'], scenario.execIds.get('web-1/201'));
    const container = await rows(sql, { variables: { container: [DOCKER_CONTAINER] } });
    assert.deepEqual(column(container, 'binary'), ['/tmp/x', '/usr/bin/wget', '/bin/sh', '/usr/sbin/nginx']);
  },

  // ---- files
  'ebpipe-files/Sensitive files opened': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'path', 'binary', 'user', 'host', 'opens', 'failed'), [
      ['/etc/shadow', '/usr/bin/less', 'root', 'web-1', '1', '0'],
      ['/home/bob/.aws/credentials', '/usr/bin/cat', 'alice', 'web-1', '1', '1'],
      ['/home/alice/.ssh/id_ed25519', '/usr/bin/cat', 'alice', 'web-1', '1', '0'],
      ['/etc/shadow', '/usr/bin/cat', 'root', 'web-1', '1', '0'],
    ]);
    const root = await rows(sql, { variables: { user: ['root'] } });
    assert.deepEqual(column(root, 'path'), ['/etc/shadow', '/etc/shadow'], '/etc/hosts is not sensitive');
  },
  'ebpipe-files/Sensitive file opens by process': async (sql) => {
    assert.deepEqual(totals(await rows(sql), 'binary', 'opens', 1), { '/usr/bin/cat': 3, '/usr/bin/less': 1 });
  },
  'ebpipe-files/Writes under /etc': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'event', 'path', 'renamed_from', 'binary', 'user'), [
      ['file.rename', '/etc/hosts', '/etc/.hosts.swp', '/usr/bin/vi', 'root'],
      ['file.open', '/etc/.hosts.swp', '', '/usr/bin/vi', 'root'],
    ]);
  },

  // ---- network
  'ebpipe-network/Connections per process': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'host', 'binary', 'user', 'outbound', 'inbound', 'peers'), [
      ['web-1', '/usr/local/bin/api', 'bob', '3', '0', '1'],
      ['web-1', '/usr/bin/curl', 'alice', '2', '0', '1'],
      ['web-1', '/usr/bin/wget', 'www-data', '1', '0', '1'],
      ['web-1', '/usr/sbin/nginx', 'root', '0', '1', '1'],
      ['web-2', '/usr/local/bin/xmrig', 'nobody', '1', '0', '1'],
    ]);
  },
  'ebpipe-network/Top peers': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'peer', 'connections', 'ports', 'binaries'), [
      ['10.96.0.10', '3', '5432', '/usr/local/bin/api'],
      ['93.184.216.34', '2', '443', '/usr/bin/curl'],
      ['10.0.0.9', '1', '51000', '/usr/sbin/nginx'],
      ['198.51.100.23', '1', '3333', '/usr/local/bin/xmrig'],
      ['203.0.113.7', '1', '4444', '/usr/bin/wget'],
    ]);
  },
  'ebpipe-network/Top destination ports': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'transport', 'port', 'connections', 'peers'), [
      ['tcp', '5432', '3', '1'],
      ['tcp', '443', '2', '1'],
      ['tcp', '3333', '1', '1'],
      ['tcp', '4444', '1', '1'],
    ]);
  },
  'ebpipe-network/Outbound connections per second': async (sql) => {
    assert.deepEqual(totals(await rows(sql), 'host', 'connects'), { 'web-1': 6, 'web-2': 1 });
  },
  'ebpipe-network/Listeners': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'host', 'address', 'port', 'binary', 'user', 'container'), [
      ['web-1', '0.0.0.0', '22', '/usr/sbin/sshd', 'root', ''],
      ['web-1', '0.0.0.0', '80', '/usr/sbin/nginx', 'root', DOCKER_CONTAINER],
      ['web-1', '0.0.0.0', '8080', '/usr/local/bin/api', 'bob', POD_NAME],
    ]);
  },
  'ebpipe-network/Outbound from containers': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'container', 'binary', 'peer', 'port', 'connections'), [
      [POD_NAME, '/usr/local/bin/api', '10.96.0.10', '5432', '3'],
      [DOCKER_CONTAINER, '/usr/bin/wget', '203.0.113.7', '4444', '1'],
    ]);
    const pod = await rows(sql, { variables: { container: [POD_NAME] } });
    assert.deepEqual(column(pod, 'binary'), ['/usr/local/bin/api']);
  },

  // ---- privilege and kernel
  'ebpipe-privilege/Privilege raises': async (sql) => {
    const result = await rows(sql);
    assert.deepEqual(pick(result, 'container', 'binary', 'user', 'syscall', 'euid_before', 'euid_after', 'raised_by'), [
      [DOCKER_CONTAINER, '/tmp/x', 'www-data', 'setuid', '33', '0', 'uid_to_root'],
      ['', '/usr/bin/sudo', 'alice', 'setresuid', '1000', '0', 'uid_to_root'],
    ]);
    assert.equal(result[1]!['exec_id'], scenario.execIds.get('web-1/203'));
  },
  'ebpipe-privilege/Setuid and setgid binaries run': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'binary', 'runs', 'users', 'effective_uids'), [
      ['/usr/bin/passwd', '1', 'alice', '0'],
      ['/usr/bin/sudo', '1', 'alice', '0'],
    ]);
  },
  'ebpipe-privilege/Kernel modules loaded': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'host', 'module', 'file', 'binary', 'user', 'result'), [
      ['web-1', 'rootkit', '/tmp/rootkit.ko', '/usr/sbin/insmod', 'root', 'loaded'],
    ]);
  },

  // ---- policies
  'ebpipe-policies/Matches by policy, binary and action': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'policy', 'binary', 'action', 'matches', 'killed'), [
      ['block-secret-access', '/usr/bin/cat', 'sigkill', '1', '1'],
      ['block-secret-access', '/usr/bin/less', 'sigkill', '1', '1'],
      ['outbound-connections', '/usr/bin/wget', 'post', '1', '0'],
    ]);
  },
  'ebpipe-policies/Kills over time': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'time', 'policy', 'kills'), [
      ['2026-03-02 09:02:00', 'block-secret-access', '1'],
      ['2026-03-02 09:30:00', 'block-secret-access', '1'],
    ]);
  },
  'ebpipe-policies/In-kernel aggregated matches': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'policy', 'key_binary', 'key_path_prefix', 'matches', 'windows'), [
      ['etc-writes', '/usr/bin/vi', '/etc/', '5', '1'],
    ]);
  },
  'ebpipe-policies/Policy changes': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'policy', 'action', 'result', 'via', 'user', 'pid', 'reason'), [
      ['bad-policy', 'add', 'rejected', 'watch', 'root', '990', 'spec.kprobes[0].call: unknown hook'],
      ['outbound-connections', 'replace', 'applied', 'cli', 'root', '5001', ''],
      ['outbound-connections', 'add', 'applied', 'startup', 'root', '990', ''],
      ['block-secret-access', 'add', 'applied', 'startup', 'root', '990', ''],
    ]);
    assert.deepEqual(await rows(sql, { variables: { host: ['web-2'] } }), []);
  },

  // ---- pipeline health, from otel_logs
  'ebpipe-pipeline/Events stored per second by kind': async (sql) => {
    assert.deepEqual(totals(await rows(sql), 'kind', 'events'), {
      'credentials.change': 2,
      'file.open': 6,
      'file.rename': 1,
      'module.load': 1,
      'network.accept': 1,
      'network.connect': 7,
      'network.listen': 3,
      'policy.audit': 4,
      'policy.match': 3,
      'policy.summary': 1,
      'process.exec': 20,
    });
  },
  'ebpipe-pipeline/Sequence gaps per CPU': async (sql) => {
    assert.deepEqual(pick(await rows(sql), 'host', 'instance', 'cpu', 'records', 'missing'), [
      ['web-1', 'instance-web-1', '1', '8', '3'],
      ['web-1', 'instance-web-1', '0', '33', '0'],
      ['web-2', 'instance-web-2', '0', '3', '0'],
    ]);
  },

  // ---- pipeline health, from the agent's counters
  'ebpipe-pipeline/Events in and out per second': (sql) =>
    inEachLayout(async (layout) => {
      const result = await rows(sql, metricsRange());
      const first = scrapes[0]!;
      const last = scrapes.at(-1)!;
      const increase = (name: string, labels: Record<string, string>) =>
        total(last, name, labels) - total(first, name, labels);
      assert.deepEqual(
        totals(result, 'series', 'events', 1),
        {
          'in replay': increase('ebpipe_receiver_accepted_events_total', {}),
          'out nop': increase('ebpipe_exporter_sent_events_total', { exporter: 'nop' }),
          'out otlphttp/down': 0,
        },
        layout,
      );
      assert.equal(total(last, 'ebpipe_receiver_accepted_events_total', {}), scenario.web1Records.length + 1);
    }),
  'ebpipe-pipeline/Drops by place and reason': (sql) =>
    inEachLayout(async (layout) => {
      assert.deepEqual(
        pick(await rows(sql, metricsRange()), 'place', 'component', 'reason', 'dropped'),
        [
          ['exporter', 'otlphttp/down', 'retries_exhausted', String(scenario.web1Records.length)],
          ['decode', 'decode', 'unknown_op', '1'],
        ],
        layout,
      );
    }),
  'ebpipe-pipeline/Exporter queue fill': (sql) =>
    inEachLayout(async (layout) => {
      const result = await rows(sql, metricsRange());
      for (const exporter of ['nop', 'otlphttp/down']) {
        const series = result.filter((r) => r['exporter'] === exporter).map((r) => Number(r['queued']));
        const expected = scrapes.map(
          (s) =>
            total(s, 'ebpipe_exporter_received_events_total', { exporter }) -
            total(s, 'ebpipe_exporter_sent_events_total', { exporter }) -
            total(s, 'ebpipe_exporter_dropped_events_total', { exporter }),
        );
        assert.ok(series.length > 0, exporter);
        assert.equal(
          Math.max(...series),
          Math.max(...expected),
          `${layout}, ${exporter}: the fullest the queue was seen`,
        );
        assert.equal(series.at(-1), 0, `${layout}, ${exporter}: settled at the end`);
      }
    }),
};

/** The dashboard range around the scrapes, one-second buckets. */
function metricsRange(): Dashboard {
  return { fromMs: scrapes[0]!.timeMs - 60_000, toMs: scrapes.at(-1)!.timeMs + 60_000, intervalMs: 1000 };
}

describe('every panel of every dashboard returns what it is meant to show', () => {
  test('the agent was scraped while it worked: several scrapes, counters moving', () => {
    assert.ok(scrapes.length >= 3, `${scrapes.length} scrapes`);
    const accepted = scrapes.map((s) => total(s, 'ebpipe_receiver_accepted_events_total', {}));
    assert.ok(new Set(accepted).size >= 2, `accepted moved between scrapes: ${accepted.join(' ')}`);
  });

  for (const { dashboard, panel, rawSql } of panelQueries()) {
    test(`${dashboard} / ${panel}`, async () => {
      const check = expectations[`${dashboard}/${panel}`];
      assert.ok(check, `no expectation for panel "${panel}" of ${dashboard}: add one`);
      await check(rawSql);
    });
  }

  test('no expectation is left without its panel', () => {
    const panels = new Set(panelQueries().map((q) => `${q.dashboard}/${q.panel}`));
    assert.deepEqual(
      Object.keys(expectations).filter((k) => !panels.has(k)),
      [],
    );
  });
});

describe('the template variables list what the data holds, and filter every panel', () => {
  test('host, container / pod, binary and user', async () => {
    for (const dashboard of new Set(variableQueries().map((v) => v.dashboard))) {
      assert.deepEqual(column(await rows(variableQuery(dashboard, 'host')), 'host'), ['web-1', 'web-2'], dashboard);
    }
    const process = 'ebpipe-process';
    assert.deepEqual(column(await rows(variableQuery(process, 'container')), 'container'), [
      DOCKER_CONTAINER,
      POD_NAME,
    ]);
    assert.deepEqual(await rows(variableQuery(process, 'container'), { variables: { host: ['web-2'] } }), []);
    assert.deepEqual(column(await rows(variableQuery(process, 'user')), 'user'), [
      'alice',
      'bob',
      'nobody',
      'root',
      'www-data',
    ]);
    const binaries = column(await rows(variableQuery(process, 'binary')), 'binary');
    assert.ok(binaries.includes('/usr/local/bin/xmrig'));
    assert.ok(!binaries.includes('/usr/sbin/cron'), 'only what ran in the time range');
  });

  test('a host selection narrows every panel that takes it to that host', async () => {
    let shown = 0;
    for (const { dashboard, panel, rawSql } of panelQueries()) {
      if (!rawSql.includes('$host')) continue;
      const web2 = await rows(rawSql, {
        variables: { host: ['web-2'], exec_id: scenario.execIds.get('web-2/501')! },
      });
      const hosts = column(web2, 'host').filter((h) => h !== 'undefined');
      assert.deepEqual(
        hosts.filter((h) => h !== 'web-2'),
        [],
        `${dashboard} / ${panel}: only web-2's rows`,
      );
      if (hosts.length > 0) shown++;
    }
    assert.ok(shown >= 6, `${shown} panels showed web-2's rows`);
  });
});
