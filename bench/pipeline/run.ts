// bench/pipeline: a capture of >= 1M records replayed through decode -> enrich -> redact ->
// routing into (a) the nop exporter, (b) the embedded ClickHouse store and (c) a ClickHouse
// server (the chdb engine behind the HTTP interface, scripts/services/clickhouse.sh), beside a
// decode-only baseline, each in its own process. Prints events/s per core, CPU per event (the
// server's own CPU beside the agent's), peak RSS, and the hottest functions of the nop run.
// Usage: node dist/bench/pipeline/run.js [batches=1000] (1000 records per batch)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths.js';
import { ClickHouseTestServer, clickhouseServerMissing } from '../../src/testing/clickhouse-server.js';
import { mixedCapture, RECORDS_PER_BATCH } from './mixed-capture.js';

const batches = Number(process.argv[2] ?? 1000);
const work = mkdtempSync(join(tmpdir(), 'ebpipe-bench-pipeline-'));

const routing = `
connectors:
  routing:
    table:
      - condition: kind == "network.connect" and remote.port == 443
        pipelines: [logs/out]
    default_pipelines: [logs/out]`;

function pipeline(name: string, processors: string[], exporter: string, exporterSettings = '', route = true): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    `receivers:
  ebpf:
processors:
${processors.map((p) => `  ${p}:`).join('\n')}
exporters:
  ${exporter}:${exporterSettings}
${route ? routing : ''}
service:
  pipelines:
    logs:
      receivers: [ebpf]
      processors: [${processors.join(', ')}]
      exporters: [${route ? 'routing' : exporter}]
${route ? `    logs/out:\n      receivers: [routing]\n      exporters: [${exporter}]` : ''}
  telemetry:
    logs:
      level: warn
`,
  );
  return file;
}

interface Run {
  records: number;
  exported: number;
  dropped: number;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
}

function measure(config: string, path: string, extraArgs: string[] = []): Run {
  const text = execFileSync(
    process.execPath,
    [...extraArgs, join(projectRoot, 'dist/bench/pipeline/one-run.js'), config, path],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  return JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as Run;
}

function hottest(profileDir: string, top = 12): string[] {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return [];
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const key = `${frame?.functionName || '(anonymous)'} ${frame?.url.split('/').slice(-2).join('/')}:${(frame?.lineNumber ?? 0) + 1}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self]
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}

const path = await mixedCapture(batches);
const full = ['decode', 'enrich', 'redact'];
const cases: [string, string][] = [
  ['baseline: decode -> nop', pipeline('decode-nop', ['decode'], 'nop', '', false)],
  ['decode -> enrich -> redact -> routing -> nop', pipeline('full-nop', full, 'nop')],
  ['... -> embedded ClickHouse', pipeline('full-ch', full, 'clickhouse', `\n    path: ${join(work, 'store')}`)],
];
const missing = clickhouseServerMissing();
const server = missing === null ? await ClickHouseTestServer.create() : undefined;
if (server) {
  cases.push([
    '... -> ClickHouse server (chdb over HTTP)',
    pipeline(
      'full-server',
      full,
      'clickhouse',
      `\n    endpoint: ${server.endpoint}\n    password: ${server.password}\n    timeout: 60s`,
    ),
  ]);
} else {
  console.log(`(no server case: ${missing})`);
}

/** utime + stime of a process, in ms (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const rows = cases.map(([name, config]) => {
  const serverPid = name.includes('server') ? server?.pid : undefined;
  const serverBefore = serverPid === undefined ? 0 : processCpuMs(serverPid);
  const r = measure(config, path);
  const serverMs = serverPid === undefined ? 0 : processCpuMs(serverPid) - serverBefore;
  return {
    pipeline: name,
    records: r.records.toLocaleString('en'),
    'events/s (wall)': Math.round(r.records / (r.wallMs / 1000)).toLocaleString('en'),
    'events/s per core': Math.round(r.records / (r.cpuMs / 1000)).toLocaleString('en'),
    'CPU ns/event': Math.round((r.cpuMs * 1e6) / r.records),
    'server CPU ns/event': serverPid === undefined ? '' : Math.round((serverMs * 1e6) / r.records),
    'peak RSS MiB': (r.peakRssBytes / 2 ** 20).toFixed(0),
    dropped: r.dropped,
  };
});
console.log(`bench/pipeline: ${(batches * RECORDS_PER_BATCH).toLocaleString('en')} records replayed from ${path}`);
console.table(rows);
const profileDir = join(work, 'profile');
measure(cases[1]![1], path, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
console.log('where the time goes (self time, decode -> enrich -> redact -> routing -> nop):');
for (const line of hottest(profileDir)) console.log(`  ${line}`);
await server?.close();
rmSync(work, { recursive: true, force: true });
