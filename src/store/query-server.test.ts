// Two processes on one store, as in production: a child plays the agent (holds the store, serves the socket),
// this process plays `ebpipe query`. Real chdb in a temporary directory.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, test } from 'node:test';

import { EmbeddedClickHouseStore } from './embedded-store.js';
import { ClickHouseStoreError } from './errors.js';
import { queryStore } from './query-client.js';
import { querySocketPath, StoreQueryServer } from './query-server.js';

const root = mkdtempSync(join(tmpdir(), 'ebpipe-chdb-socket-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

const AGENT = `
import { EmbeddedClickHouseStore } from ${JSON.stringify(new URL('./embedded-store.js', import.meta.url).href)};
import { StoreQueryServer } from ${JSON.stringify(new URL('./query-server.js', import.meta.url).href)};
const store = new EmbeddedClickHouseStore({ path: process.argv[1] });
await store.init();
const row = (i) => ({ timestampNs: BigInt(i + 1), severityText: "INFO", severityNumber: 9, serviceName: "agent",
  body: "row " + i, eventName: "process.exec", resourceAttributes: {}, logAttributes: { "process.pid": String(i) } });
await store.insert(Array.from({ length: 100 }, (_, i) => row(i)));
const server = new StoreQueryServer(store);
await server.listen();
// keeps inserting while it is queried, as an agent does
let next = 100;
const inserting = setInterval(() => void store.insert([row(next++)]), 20);
process.on("SIGTERM", async () => { clearInterval(inserting); await server.close(); await store.close(); process.exit(0); });
console.log("ready");
`;

async function startAgent(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', AGENT, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'ready');
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

test('while an agent holds the store, queries go through its socket and direct opens are refused by pid', async () => {
  const path = join(root, 'shared');
  const agent = await startAgent(path);
  try {
    const first = Number(await queryStore('SELECT count() FROM ebpipe.otel_logs', 'CSV', { path }));
    assert.ok(first >= 100, `count ${first}`);
    const sample = await queryStore(
      "SELECT Body, LogAttributes['process.pid'] AS pid FROM ebpipe.otel_logs WHERE Body = 'row 7'",
      'JSONEachRow',
      { path },
    );
    assert.equal(sample, '{"Body":"row 7","pid":"7"}\n');
    assert.match(await queryStore("SELECT 'x' AS a", 'PrettyCompact', { path }), /┌─a─┐/);
    await assert.rejects(
      queryStore('SELECT nope', 'CSV', { path }),
      (e: unknown) =>
        e instanceof ClickHouseStoreError &&
        e.code === 'CLICKHOUSE_QUERY_FAILED' &&
        /UNKNOWN_IDENTIFIER/.test(e.message),
    );
    assert.throws(
      () => new EmbeddedClickHouseStore({ path }),
      (e: unknown) =>
        e instanceof ClickHouseStoreError &&
        e.code === 'CLICKHOUSE_STORE_LOCKED' &&
        e.message.endsWith(`in use by process ${agent.pid}`),
    );
    // The agent's own inserts go on between queries.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(Number(await queryStore('SELECT count() FROM ebpipe.otel_logs', 'CSV', { path })) > first);
  } finally {
    await stop(agent, 'SIGTERM');
  }
  assert.equal(existsSync(querySocketPath(path)), false, 'socket removed on close');
  // With no agent, the client opens the directory itself and sees what the agent wrote.
  const after = Number(await queryStore('SELECT count() FROM ebpipe.otel_logs', 'CSV', { path }));
  assert.ok(after > 100);
});

test('a socket left by a killed agent is skipped by clients and replaced by the next server', async () => {
  const path = join(root, 'killed');
  await stop(await startAgent(path), 'SIGKILL');
  assert.equal(existsSync(querySocketPath(path)), true, 'SIGKILL leaves the socket file');
  assert.equal(await queryStore("SELECT countIf(Body = 'row 0') FROM ebpipe.otel_logs", 'CSV', { path }), '1\n');

  const store = new EmbeddedClickHouseStore({ path });
  const server = new StoreQueryServer(store);
  try {
    await server.listen();
    assert.equal(await queryStore('SELECT 1 + 1', 'CSV', { path }), '2\n');
  } finally {
    await server.close();
    await store.close();
  }
});

test('the client names a missing store and the server refuses malformed requests', async () => {
  await assert.rejects(
    queryStore('SELECT 1', 'CSV', { path: join(root, 'nothing-here') }),
    (e: unknown) =>
      e instanceof ClickHouseStoreError && e.code === 'CLICKHOUSE_OPEN_FAILED' && /no such directory/.test(e.message),
  );
  const store = new EmbeddedClickHouseStore({ path: join(root, 'malformed') });
  const server = new StoreQueryServer(store);
  await server.listen();
  try {
    const { connect } = await import('node:net');
    const ask = async (request: string): Promise<string> => {
      const socket = connect(server.socketPath);
      socket.end(request);
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString();
    };
    assert.match(
      await ask('not json\n'),
      /^\{"ok":false,"code":"CLICKHOUSE_QUERY_SOCKET","message":"request is not JSON"\}\n$/,
    );
    assert.match(await ask('{"sql":"SELECT 1","format":"XML"}\n'), /request format must be one of JSONEachRow/);
    assert.equal(await ask('{"sql":"SELECT 1","format":"CSV"}\n'), '{"ok":true}\n1\n');
  } finally {
    await server.close();
    await store.close();
  }
});
