// The exporter in embedded mode: events in, rows and the security views out, read through `ebpipe query`'s path
// (the query socket, since the exporter holds the store).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import type { Event } from '../../events/model.js';
import { ExportError } from '../../pipeline/component.js';
import { queryStore } from '../../store/query-client.js';
import { CounterRegistry } from '../../telemetry/counters.js';
import { createLogger } from '../../telemetry/logger.js';
import { sampleEvents } from '../../testing/sample-events.js';
import { agentResource } from '../otel/resource.js';
import { ClickHouseExporter } from './clickhouse-exporter.js';
import { clickhouseSettings } from './config.js';

const root = mkdtempSync(join(tmpdir(), 'ebpipe-clickhouse-exporter-'));
after(() => rmSync(root, { recursive: true, force: true }));
const path = join(root, 'store');

async function jsonRows(sql: string): Promise<Record<string, unknown>[]> {
  const text = await queryStore(sql, 'JSONEachRow', { path });
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('the security views pick their events and read the attributes of the exported records; bad rows are counted', async () => {
  const exporter = new ClickHouseExporter(clickhouseSettings.parse({ path }), {
    id: 'clickhouse',
    logger: createLogger('test'),
    counters: new CounterRegistry(),
    origin: () => ({ file: 'test.yaml', line: 1, column: 1 }),
    baseDir: root,
    resource: agentResource({ 'host.name': 'node-1' }),
  });
  await exporter.start();
  const samples = sampleEvents();
  const pick = (kind: Event['kind'], which = 0) => samples.filter((e) => e.kind === kind)[which]!;
  const close = pick('network.close');
  const exec = pick('process.exec');
  try {
    const events = [
      exec,
      pick('process.exit'),
      pick('policy.match'),
      pick('policy.match', 1),
      pick('network.connect'),
      // A close of a socket made before the sensor started: no process, no addresses.
      { ...close, process: { pid: 0, tid: 0, startNs: 0, comm: '' }, local: { address: '', port: 0 } },
      // Past 2106, where the table's time types stop: the engine would refuse it, so it is left out and counted.
      { ...exec, origin: { ...exec.origin, clockOffsetNs: 5_000_000_000_000_000_000n } },
    ] as Event[];
    assert.deepEqual(await exporter.export(events), { rejected: 1, reason: 'rejected_row' });
    const process = {
      host: 'node-1',
      binary: '/usr/bin/curl',
      pid: 4242,
      exec_id: 'aG9zdDo0MjQyOjEwMDA',
      user: 'alice',
      container: 'c0ffee',
    };
    const execs = await jsonRows('SELECT * EXCEPT Timestamp FROM ebpipe.process_exec');
    assert.deepEqual(execs, [
      { ...process, argv: ['curl', '-s', 'https://example.com'], parent_pid: 10, parent_exec_id: 'aG9zdDoxMDoxMDA' },
    ]);
    const hits = await jsonRows(
      'SELECT event, policy, actions, action, binary, pid FROM ebpipe.policy_hits ORDER BY policy',
    );
    assert.deepEqual(hits, [
      {
        event: 'policy.match',
        policy: 'no-egress',
        actions: ['post'],
        action: 'post',
        binary: '/usr/bin/curl',
        pid: 4242,
      },
      {
        event: 'policy.match',
        policy: 'no-shadow',
        actions: ['post', 'sigkill'],
        action: 'sigkill',
        binary: '/usr/bin/curl',
        pid: 4242,
      },
    ]);
    const conns = await jsonRows(
      'SELECT event, transport, local_address, local_port, peer_address, peer_port, pid FROM ebpipe.connections ORDER BY event DESC',
    );
    assert.deepEqual(conns, [
      {
        event: 'network.connect',
        transport: 'tcp',
        local_address: '10.0.0.2',
        local_port: 40000,
        peer_address: '93.184.216.34',
        peer_port: 443,
        pid: 4242,
      },
      // Missing attributes read as empty strings and NULL numbers, not as port 0 (pid 0 is the kernel's).
      {
        event: 'network.close',
        transport: 'tcp',
        local_address: '',
        local_port: 0,
        peer_address: '93.184.216.34',
        peer_port: 443,
        pid: 0,
      },
    ]);
  } finally {
    await exporter.shutdown();
  }
});

test("an insert the engine refuses for the table's types is permanent, with the engine's code", async () => {
  const typedPath = join(root, 'typed');
  const { EmbeddedClickHouseStore } = await import('../../store/embedded-store.js');
  const setup = new EmbeddedClickHouseStore({ path: typedPath, createSchema: false });
  await setup.query('CREATE DATABASE ebpipe', 'TSV');
  await setup.query(
    'CREATE TABLE ebpipe.otel_logs (Timestamp DateTime64(9), LogAttributes Map(String, UInt64)) ENGINE = MergeTree ORDER BY Timestamp',
    'TSV',
  );
  await setup.close();
  const exporter = new ClickHouseExporter(
    clickhouseSettings.parse({ path: typedPath, create_schema: false, query_socket: false }),
    {
      id: 'clickhouse',
      logger: createLogger('test'),
      counters: new CounterRegistry(),
      origin: () => ({ file: 'test.yaml', line: 1, column: 1 }),
      baseDir: root,
      resource: agentResource({ 'host.name': 'node-1' }),
    },
  );
  await exporter.start();
  try {
    await assert.rejects(
      exporter.export(sampleEvents().slice(0, 2)),
      (e: unknown) => e instanceof ExportError && e.permanent && /Code: 6\./.test(e.message),
    );
  } finally {
    await exporter.shutdown();
  }
});
