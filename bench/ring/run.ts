// bench/ring: how fast events cross from the kernel ring buffer to decoded TypeScript
// objects, beside a minimal C libbpf consumer that only counts, in the same run.
// A generator pinned to CPU 0 calls getppid() as fast as it can (each call one record);
// each consumer is pinned to CPU 1. Run as root: node dist/bench/ring/run.js [seconds]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bpfObjectPath, projectRoot } from '../../src/common/paths.js';

const seconds = Number(process.argv[2] ?? 3);
const ringBytes = 8 << 20;
/** The agent's defaults (src/cli/observe.ts): both consumers wake the same way. */
const batchBytes = 256 << 10;
const latencyMs = 5;
const out = join(projectRoot, 'bench', 'out');

interface Result {
  consumer: string;
  generated: number;
  generatorSeconds: number;
  records: number;
  drops: number;
  cpuNs: number;
  rssBytes?: number;
}

function build(): void {
  mkdirSync(out, { recursive: true });
  const cc = (src: string, bin: string, libs: string[]) =>
    execFileSync('cc', [
      '-O2',
      '-Wall',
      '-I',
      join(projectRoot, 'bpf/include'),
      join(projectRoot, 'bench/ring', src),
      '-o',
      join(out, bin),
      ...libs,
    ]);
  cc('loadgen.c', 'loadgen', []);
  cc('count-consumer.c', 'count-consumer', ['-lbpf', '-lelf', '-lz']);
}

/** Collects a child's stdout; `line(n)` resolves once it has printed n lines. */
function collectLines(child: ChildProcess): { line(n: number): Promise<string> } {
  const lines: string[] = [];
  const waiters: { n: number; resolve: (line: string) => void }[] = [];
  let partial = '';
  const settle = () => {
    for (const w of waiters.splice(0)) {
      if (lines.length >= w.n) w.resolve(lines[w.n - 1] ?? '');
      else waiters.push(w);
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    settle();
  });
  child.once('exit', () => {
    for (const w of waiters.splice(0)) w.resolve(lines[w.n - 1] ?? '');
  });
  return {
    line: (n) =>
      new Promise((resolve) => {
        waiters.push({ n, resolve });
        settle();
      }),
  };
}

async function measure(consumer: string, command: string[]): Promise<Result> {
  const generator = spawn('taskset', ['-c', '0', join(out, 'loadgen'), String(seconds)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const reader = spawn(
    'taskset',
    ['-c', '1', ...command, String(generator.pid), String(ringBytes), String(batchBytes), String(latencyMs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, EBPIPE_LOG_LEVEL: 'warn' },
    },
  );
  const readerOut = collectLines(reader);
  const generatorOut = collectLines(generator);
  if ((await readerOut.line(1)) !== 'ready') throw new Error(`${consumer} did not start`);
  generator.stdin?.end('g');
  const [calls, elapsed] = (await generatorOut.line(1)).split(' ').map(Number);
  await new Promise((r) => setTimeout(r, 300)); // let the consumer drain
  reader.kill('SIGINT');
  const line = await readerOut.line(2);
  const figures = line.startsWith('{')
    ? (JSON.parse(line) as { records: number; drops: number; cpuNs: number; rssBytes: number })
    : (([records, drops, cpuNs]) => ({ records: records ?? 0, drops: drops ?? 0, cpuNs: cpuNs ?? 0 }))(
        line.split(' ').map(Number),
      );
  return { consumer, generated: calls ?? 0, generatorSeconds: elapsed ?? seconds, ...figures };
}

function report(results: Result[]): void {
  const rows = results.map((r) => ({
    consumer: r.consumer,
    'generated/s': Math.round(r.generated / r.generatorSeconds).toLocaleString('en'),
    'consumed/s': Math.round(r.records / r.generatorSeconds).toLocaleString('en'),
    drops: r.drops.toLocaleString('en'),
    'drop %': ((100 * r.drops) / Math.max(1, r.generated)).toFixed(2),
    'consumer CPU ns/event': (r.cpuNs / Math.max(1, r.records)).toFixed(1),
    accounted: r.records + r.drops === r.generated ? 'yes' : `no (${r.records + r.drops - r.generated})`,
    'RSS MiB': r.rssBytes ? (r.rssBytes / 2 ** 20).toFixed(1) : '-',
  }));
  console.table(rows);
  const [c, node] = results;
  if (c && node) {
    const perEvent = (r: Result) => r.cpuNs / Math.max(1, r.records);
    console.log(`node+decoder / C-count CPU per event: ${(perEvent(node) / perEvent(c)).toFixed(2)}x`);
  }
}

build();
const results = [
  await measure('C libbpf, count only', [join(out, 'count-consumer'), bpfObjectPath('bench')]),
  await measure('native addon + TS decoder', [process.execPath, join(projectRoot, 'dist/bench/ring/node-consumer.js')]),
];
console.log(
  `bench/ring: ${seconds} s per consumer, ring ${ringBytes >> 20} MiB, generator on CPU 0, consumer on CPU 1`,
);
report(results);
