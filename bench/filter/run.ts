/**
 * Compiled filter conditions against hand-written functions doing the same test, in ns per event.
 * Run: npx tsc -p tsconfig.json && node dist/bench/filter/run.js
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { compileCondition, type Condition } from '../../src/processors/filter/compile.js';

interface BenchEvent {
  kind: string;
  process: { binary: string; uid: number; pid: bigint; argv: string[] };
  file?: { path: string };
  network?: { dport: number };
}

const KINDS = ['process.exec', 'process.exec', 'process.exit', 'file.open', 'network.connect'];
const BINARIES = ['/usr/bin/curl', '/usr/bin/python3', '/bin/bash', '/usr/sbin/sshd', '/opt/app/server'];
const UIDS = [0, 1000, 1001, 33, 65534];
const PATHS = ['/etc/shadow', '/etc/hosts', '/var/log/syslog', '/etc/passwd', '/tmp/x'];

/** 1024 events cycling through the values above at co-prime strides, so every branch is taken. */
function makeEvents(): BenchEvent[] {
  const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
  return Array.from({ length: 1024 }, (_, i) => ({
    kind: pick(KINDS, i),
    process: {
      binary: pick(BINARIES, i * 3),
      uid: pick(UIDS, i * 7),
      pid: BigInt(1000 + i),
      argv: ['x', '-v'],
    },
    ...(i % 2 === 0 ? { file: { path: pick(PATHS, i * 11) } } : { network: { dport: (i * 97) % 4096 } }),
  }));
}

// Hoisted: a regex literal inside the baseline would build a new RegExp per call.
const ETC_SECRETS = /^\/etc\/(shadow|passwd)$/;

interface Case {
  name: string;
  source: string;
  baseline: (e: BenchEvent) => boolean;
}

const CASES: Case[] = [
  {
    name: '3 clauses: ==, startsWith, not in',
    source: 'kind == "process.exec" and process.binary startsWith "/usr/bin/" and not (process.uid in [0, 1000])',
    baseline: (e) =>
      e.kind === 'process.exec' &&
      e.process.binary.startsWith('/usr/bin/') &&
      !(e.process.uid === 0 || e.process.uid === 1000),
  },
  {
    name: 'matches or >=',
    source: 'file.path matches "^/etc/(shadow|passwd)$" or network.dport >= 1024',
    baseline: (e) =>
      (e.file !== undefined && ETC_SECRETS.test(e.file.path)) || (e.network !== undefined && e.network.dport >= 1024),
  },
];

const ITERATIONS = 4_000_000;
const ROUNDS = 9;

interface Sample {
  ns: number;
  matches: number;
  gcs: number;
}

/**
 * Runs `test` over the events: CPU ns per call (CPU time, not wall time, so other work on a shared
 * machine does not count), the match count (which also keeps the loop from being elided) and the
 * garbage collections during the run, which stay at 0 when evaluation allocates nothing.
 */
async function measure(test: (e: BenchEvent) => boolean, events: BenchEvent[]): Promise<Sample> {
  let gcs = 0;
  const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  let matches = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) if (test(events[i & 1023] as BenchEvent)) matches++;
  const used = process.cpuUsage(start);
  await sleep(10); // gc entries are delivered asynchronously
  observer.disconnect();
  return { ns: ((used.user + used.system) * 1000) / ITERATIONS, matches, gcs };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const column = (ns: number, gcs: number): string => `${ns.toFixed(1).padStart(8)} ${String(gcs).padStart(4)}`;

async function main(): Promise<void> {
  const events = makeEvents();
  console.log(`node ${process.version}, ${ITERATIONS} evaluations x ${ROUNDS} rounds: median CPU ns/op, gc runs`);
  console.log(
    `${'condition'.padEnd(36)} ${'compiled'.padStart(8)} ${'gc'.padStart(4)} ${'baseline'.padStart(8)} ${'gc'.padStart(4)}  ratio`,
  );
  for (const c of CASES) {
    const compiled: Condition = compileCondition(c.source);
    const runs: { compiled: Sample; baseline: Sample }[] = [];
    for (let round = -2; round < ROUNDS; round++) {
      const run = {
        compiled: await measure(compiled, events),
        baseline: await measure(c.baseline, events),
      };
      if (run.compiled.matches !== run.baseline.matches) {
        throw new Error(`${c.name}: compiled matched ${run.compiled.matches}, baseline ${run.baseline.matches}`);
      }
      if (round >= 0) runs.push(run); // the first two rounds warm up the JIT
    }
    const ns = median(runs.map((r) => r.compiled.ns));
    const base = median(runs.map((r) => r.baseline.ns));
    const gcs = (side: 'compiled' | 'baseline') => runs.reduce((n, r) => n + r[side].gcs, 0);
    console.log(
      `${c.name.padEnd(36)} ${column(ns, gcs('compiled'))} ${column(base, gcs('baseline'))}  ${(ns / base).toFixed(2)}x`,
    );
  }
}

await main();
