/**
 * The store in both modes: 1M synthetic exec/network rows (10 log attributes each) inserted in batches into the
 * embedded engine and into a ClickHouse server (the chdb engine behind the HTTP interface,
 * scripts/services/clickhouse.sh), next to a baseline that only encodes the same batches, so the
 * encoding / engine split is visible. The server's CPU is read from /proc and shown beside the client's.
 * Run: npx tsc -p tsconfig.json && node dist/bench/clickhouse/run.js [rows] [batch]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { readFileSync } from 'node:fs';
import { clickhouseSettings } from '../../src/exporters/clickhouse/config.js';
import { ServerLogStore } from '../../src/exporters/clickhouse/server-log-store.js';
import { encodeLogBlock, LOG_COLUMNS } from '../../src/store/log-block.js';
import { ClickHouseTestServer, clickhouseServerMissing } from '../../src/testing/clickhouse-server.js';
import type { OtelLogRow } from '../../src/store/log-row.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 10_000);
const BINARIES = ['/usr/bin/curl', '/usr/bin/python3.11', '/bin/bash', '/usr/sbin/sshd', '/opt/app/bin/server'];
const START_NS = BigInt(Date.now()) * 1_000_000n;

/** About 560 bytes encoded: what a process.exec or network.connect record carries after enrichment. */
function makeRow(i: number): OtelLogRow {
  const binary = BINARIES[i % BINARIES.length] as string;
  const network = i % 4 === 0;
  return {
    timestampNs: START_NS + BigInt(i) * 1_337n,
    severityText: 'INFO',
    severityNumber: 9,
    serviceName: 'ebpipe',
    body: `${network ? 'connect' : 'exec'} ${binary}`,
    eventName: network ? 'network.connect' : 'process.exec',
    resourceAttributes: { 'host.name': 'node-17.prod.example', 'service.name': 'ebpipe', 'host.arch': 'amd64' },
    logAttributes: {
      'process.executable.path': binary,
      'process.command_args': JSON.stringify([binary, '--config', `/etc/app/${i % 97}.yaml`, '-v']),
      'process.pid': String(1000 + (i % 60_000)),
      'process.parent_pid': String(1 + (i % 900)),
      'ebpipe.exec_id': `bm9kZS0xNzo${i.toString(36).padStart(10, '0')}`,
      'ebpipe.parent_exec_id': `bm9kZS0xNzo${(i >> 3).toString(36).padStart(10, '0')}`,
      'user.name': i % 3 === 0 ? 'root' : 'app',
      'container.id': `4f1c9b2e8d7a${(i % 40).toString(16).padStart(4, '0')}`,
      'network.peer.address': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      'network.peer.port': String([443, 80, 5432, 6379][i % 4]),
    },
    scopeName: 'ebpipe',
    scopeVersion: '0.1.0',
  };
}

// Rows are made once, for a pool of batches, and each use gives them new timestamps and exec ids: an agent never
// holds a million rows, and making them inside the timed loop would blur the figures (and the event loop's).
const POOL = Math.max(2, Math.ceil(80_000 / BATCH));
const pool: OtelLogRow[][] = Array.from({ length: POOL }, (_, b) =>
  Array.from({ length: BATCH }, (_, k) => makeRow(b * BATCH + k)),
);

function nextBatch(start: number): OtelLogRow[] {
  const rows = (pool[(start / BATCH) % POOL] as OtelLogRow[]).slice(0, Math.min(BATCH, TOTAL - start));
  rows.forEach((row, k) => {
    row.timestampNs = START_NS + BigInt(start + k) * 1_337n;
    (row.logAttributes as Record<string, string>)['ebpipe.exec_id'] =
      `bm9kZS0xNzo${(start + k).toString(36).padStart(10, '0')}`;
  });
  return rows;
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

interface Figures {
  label: string;
  wallMs: number;
  cpuUs: number;
  loopMaxMs: number;
  loopP99Ms: number;
}

function print(f: Figures): void {
  console.log(
    `${f.label.padEnd(32)} ${((TOTAL / f.wallMs) * 1000).toFixed(0).padStart(9)} rows/s ` +
      `${(f.cpuUs / TOTAL).toFixed(2).padStart(7)} µs CPU/row ` +
      `loop delay max ${f.loopMaxMs.toFixed(0).padStart(4)} ms p99 ${f.loopP99Ms.toFixed(0).padStart(4)} ms`,
  );
}

/**
 * Runs `step` on each batch, at most `inFlight` at once, yielding to the event loop between
 * batches as an exporter pulling from a channel does. Wall time, whole-process CPU (engine threads included) and
 * the event loop's worst delay, which is the longest stretch the main thread could not run timers or I/O.
 */
async function measure(label: string, inFlight: number, step: (rows: OtelLogRow[]) => unknown): Promise<Figures> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  const running = new Set<Promise<unknown>>();
  for (let start = 0; start < TOTAL; start += BATCH) {
    const p: Promise<unknown> = Promise.resolve(step(nextBatch(start))).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= inFlight) await Promise.race(running);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(running);
  const figures = {
    label,
    wallMs: performance.now() - t0,
    cpuUs: cpuMicros() - cpu0,
    loopMaxMs: loop.max / 1e6,
    loopP99Ms: loop.percentile(99) / 1e6,
  };
  loop.disable();
  return figures;
}

/** utime + stime of a process, in µs (clock ticks of 10 ms). */
function processCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function serverCase(encode: Figures): Promise<void> {
  const missing = clickhouseServerMissing();
  if (missing !== null) {
    console.log(`(no server case: ${missing})`);
    return;
  }
  const server = await ClickHouseTestServer.create();
  try {
    const s = clickhouseSettings.parse({ endpoint: server.endpoint, password: server.password, async_insert: false });
    const store = new ServerLogStore(s, [server.endpoint]);
    const columns = await store.columns();
    let n = 0;
    const before = processCpuMicros(server.pid);
    const insert = await measure('renew + server insert', 1, (rows) =>
      store.insert(encodeLogBlock(rows, columns), `bench-${n++}`),
    );
    const serverUs = processCpuMicros(server.pid) - before;
    print(insert);
    console.log(
      `server insert per row: client ${((insert.cpuUs - encode.cpuUs) / TOTAL).toFixed(2)} µs CPU beyond encoding ` +
        `(HTTP, compression), server ${(serverUs / TOTAL).toFixed(2)} µs CPU (HTTP front + engine)`,
    );
    await store.shutdown();
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ebpipe-chdb-bench-'));
  try {
    const t0 = performance.now();
    const { EmbeddedClickHouseStore } = await import('../../src/store/embedded-store.js');
    const loaded = performance.now();
    const store = new EmbeddedClickHouseStore({ path: join(dir, 'store') });
    const opened = performance.now();
    await store.init();
    console.log(
      `node ${process.version}, ${TOTAL} rows in batches of ${BATCH}; chdb load ${(loaded - t0).toFixed(0)} ms, ` +
        `open ${(opened - loaded).toFixed(0)} ms, schema ${(performance.now() - opened).toFixed(0)} ms`,
    );

    const sample = encodeLogBlock(nextBatch(0), LOG_COLUMNS);
    console.log(`payload ${(sample.payload.length / sample.rows).toFixed(0)} bytes/row (Native)`);
    console.log('(subtract a line from the next for the cost of its extra step)');
    const renew = await measure('renew rows', 1, () => undefined);
    const encode = await measure('renew + encode (baseline)', 1, (rows) => encodeLogBlock(rows, LOG_COLUMNS));
    const insert = await measure('renew + insert', 1, (rows) => store.insert(rows));
    const twoInFlight = await measure('renew + insert, 2 in flight', 2, (rows) => store.insert(rows));
    [renew, encode, insert, twoInFlight].forEach(print);
    const perRow = (f: Figures): number => f.cpuUs / TOTAL;
    const encodeUs = perRow(encode) - perRow(renew);
    const engineUs = perRow(insert) - perRow(encode);
    console.log(
      `split per row: encoding ${encodeUs.toFixed(2)} µs CPU (${((encodeUs / (encodeUs + engineUs)) * 100).toFixed(0)}%), ` +
        `engine (parse, write, merges) ${engineUs.toFixed(2)} µs CPU`,
    );
    console.log(`peak rss ${mb(process.resourceUsage().maxRSS * 1024)}, rss now ${mb(process.memoryUsage().rss)}`);

    const disk = await store.query(
      'SELECT sum(rows) AS rows, formatReadableSize(sum(data_compressed_bytes)) AS compressed, ' +
        'formatReadableSize(sum(data_uncompressed_bytes)) AS uncompressed, count() AS parts ' +
        "FROM system.parts WHERE database = 'ebpipe' AND table = 'otel_logs' AND active",
      'PrettyCompact',
    );
    console.log(disk.trimEnd());
    for (const sql of [
      'SELECT EventName, count() FROM ebpipe.otel_logs GROUP BY EventName',
      "SELECT binary, count() FROM ebpipe.process_exec WHERE user = 'root' GROUP BY binary",
      'SELECT peer_address, peer_port FROM ebpipe.connections WHERE peer_port = 5432 ORDER BY Timestamp DESC LIMIT 10',
    ]) {
      const q0 = performance.now();
      await store.query(sql, 'JSONEachRow');
      console.log(`${(performance.now() - q0).toFixed(0).padStart(5)} ms  ${sql}`);
    }
    await store.close();
    await serverCase(encode);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
