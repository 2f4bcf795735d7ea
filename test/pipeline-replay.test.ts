// A capture replayed through decode -> redact -> routing into the embedded ClickHouse store
// and a file, read back with `ebpipe query`: counts per kind, secrets masked, routes honoured,
// and a SIGTERM mid-stream loses nothing that was acknowledged.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { localCaptureHeader } from '../src/capture/capture-format.js';
import { CaptureWriter } from '../src/capture/capture-writer.js';
import { writeSyntheticCapture } from '../src/testing/synthetic-capture.js';
import { encodeExec, encodeExit, frameBatch } from '../src/events/encode.js';
import { logLines, runCli, startCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ebpipe-replay-'));
const base = {
  cpu: 0,
  ns: { mnt: 1, pid: 1, net: 1, uts: 1, ipc: 1, user: 1, cgroup: 1 },
  cgroupId: 1,
  flags: 0,
  cwd: '/root',
};

function exec(i: number, uid: number, argv: string[]): Buffer {
  return encodeExec({
    ...base,
    ktime: 1_000_000 + i,
    seq: i,
    task: { tgid: 500 + i, pid: 500 + i, startNs: 10 + i },
    parent: { tgid: 1, pid: 1, startNs: 1 },
    creds: { uid, gid: uid, euid: uid, egid: uid, capEffective: 0n, capPermitted: 0n },
    comm: argv[0]!.split('/').pop()!,
    filename: argv[0]!,
    argv,
  });
}

async function scenarioCapture(path: string): Promise<void> {
  const writer = await CaptureWriter.create(path, localCaptureHeader(1_700_000_000_000_000_000n));
  const records = [
    exec(1, 0, ['/usr/bin/mysql', '-uroot', '-phunter2', 'shop']),
    exec(2, 1000, ['/usr/bin/curl', 'https://alice:s3cr3t-pw@example.com/x']),
    exec(3, 1000, ['/usr/bin/ls', '-la', '/tmp']),
    exec(4, 0, ['/usr/bin/env', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY', 'aws', 's3', 'ls']),
    encodeExit({
      ktime: 2_000_000,
      cpu: 0,
      seq: 5,
      task: { tgid: 501, pid: 501, startNs: 11 },
      status: 0,
      comm: 'mysql',
    }),
    encodeExit({
      ktime: 2_000_001,
      cpu: 0,
      seq: 6,
      task: { tgid: 503, pid: 503, startNs: 13 },
      status: 2 << 8,
      comm: 'ls',
    }),
  ];
  await writer.append(frameBatch(records.slice(0, 3)), 3);
  await writer.append(frameBatch(records.slice(3)), 3);
  await writer.close();
}

function pipelineFile(name: string, store: string, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `receivers:
  ebpf:
processors:
  decode:
  redact:
    hash_key: \${env:TEST_REDACT_KEY:-0123456789abcdef0123}
exporters:
  clickhouse:
    path: ${store}
  file/root:
    path: ${join(dir, `${name}-root.ndjson`)}
connectors:
  routing:
    table:
      - condition: kind == "process.exec" and creds.uid == 0
        pipelines: [logs/root]
    default_pipelines: [logs/rest]
${extra}
service:
  pipelines:
    logs:
      receivers: [ebpf]
      processors: [decode, redact]
      exporters: [routing]
    logs/root:
      receivers: [routing]
      exporters: [clickhouse, file/root]
    logs/rest:
      receivers: [routing]
      exporters: [clickhouse]
  telemetry:
    logs:
      level: info
`,
  );
  return file;
}

async function queryJson(store: string, sql: string): Promise<Record<string, unknown>[]> {
  const result = await runCli(['query', sql, '-o', 'json', '--store', store]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('replay through the pipeline into the embedded store', { concurrency: false }, () => {
  test('counts per kind, secrets masked in what is stored, routes honoured', async () => {
    const capture = join(dir, 'scenario.ebcap');
    await scenarioCapture(capture);
    const store = join(dir, 'store');
    const replay = await runCli(['replay', capture, '-c', pipelineFile('scenario', store)]);
    assert.equal(replay.code, 0, replay.stderr);

    const counts = await queryJson(
      store,
      'SELECT EventName, count() AS n FROM ebpipe.otel_logs GROUP BY EventName ORDER BY EventName',
    );
    assert.deepEqual(counts, [
      { EventName: 'process.exec', n: 4 },
      { EventName: 'process.exit', n: 2 },
    ]);
    const everything = JSON.stringify(await queryJson(store, 'SELECT Body, LogAttributes FROM ebpipe.otel_logs'));
    for (const secret of ['hunter2', 's3cr3t-pw', 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY']) {
      assert.ok(!everything.includes(secret), `${secret} must not be stored`);
    }
    const mysql = await queryJson(
      store,
      "SELECT LogAttributes['process.command_args'] AS argv FROM ebpipe.otel_logs WHERE Body LIKE 'exec /usr/bin/mysql%'",
    );
    assert.deepEqual(JSON.parse(String(mysql[0]?.['argv'])), [
      '/usr/bin/mysql',
      '-uroot',
      '-p[REDACTED:secret-flag]',
      'shop',
    ]);
    const curl = await queryJson(store, "SELECT Body FROM ebpipe.otel_logs WHERE Body LIKE '%curl%'");
    assert.equal(curl[0]?.['Body'], 'exec /usr/bin/curl https://alice:[REDACTED:url-credentials]@example.com/x');

    const routed = readFileSync(join(dir, 'scenario-root.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; process: { pid: number } });
    assert.deepEqual(
      routed.map((e) => [e.kind, e.process.pid]),
      [
        ['process.exec', 501],
        ['process.exec', 504],
      ],
      'only root execs go to logs/root',
    );
  });

  test('SIGTERM mid-stream flushes: every acknowledged event is in the store', async () => {
    const capture = join(dir, 'long.ebcap');
    await writeSyntheticCapture(capture, { batches: 200, recordsPerBatch: 100 });
    const store = join(dir, 'store-sigterm');
    const agent = startCli(['replay', capture, '-c', pipelineFile('sigterm', store), '--rate', '4000']);
    await delay(2500);
    agent.child.kill('SIGTERM');
    const result = await agent.done;
    assert.equal(result.code, 0, result.stderr);
    const [finished] = logLines(result.stderr, 'replay finished');
    const exported = Number(finished?.['exportedEvents']);
    assert.ok(exported > 0 && exported < 20_000, `stopped mid-stream after ${exported} events`);
    const [row] = await queryJson(store, 'SELECT count() AS n FROM ebpipe.otel_logs');
    // Routing sends each event to one pipeline, and both end in the same store.
    assert.equal(
      Number(row?.['n']),
      exported - Number(countLines(join(dir, 'sigterm-root.ndjson'))),
      'the store holds exactly what was acknowledged',
    );
  });
});

function countLines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}
