/**
 * Compiled filter conditions against hand-written functions doing the same test, in ns per event.
 * Run: npx tsc -p tsconfig.json && node dist/bench/filter/run.js
 */
import { PerformanceObserver } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

import { compileCondition, type Condition } from "../../src/processors/filter/compile.js";

interface BenchEvent {
  kind: string;
  process: { binary: string; uid: number; pid: bigint; argv: string[] };
  file?: { path: string };
  network?: { dport: number };
}

const KINDS = ["process.exec", "process.exec", "process.exit", "file.open", "network.connect"];
const BINARIES = ["/usr/bin/curl", "/usr/bin/python3", "/bin/bash", "/usr/sbin/sshd", "/opt/app/server"];
const UIDS = [0, 1000, 1001, 33, 65534];
const PATHS = ["/etc/shadow", "/etc/hosts", "/var/log/syslog", "/etc/passwd", "/tmp/x"];

/** 1024 events cycling through the values above at co-prime strides, so every branch is taken. */
function makeEvents(): BenchEvent[] {
  const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
  return Array.from({ length: 1024 }, (_, i) => ({
    kind: pick(KINDS, i),
    process: { binary: pick(BINARIES, i * 3), uid: pick(UIDS, i * 7), pid: BigInt(1000 + i), argv: ["x", "-v"] },
    ...(i % 2 === 0 ? { file: { path: pick(PATHS, i * 11) } } : { network: { dport: (i * 97) % 4096 } }),
  }));
}

interface Case {
  name: string;
  source: string;
  baseline: (e: BenchEvent) => boolean;
}

const CASES: Case[] = [
  {
    name: "3 clauses: ==, startsWith, not in",
    source: 'kind == "process.exec" and process.binary startsWith "/usr/bin/" and not (process.uid in [0, 1000])',
    baseline: (e) =>
      e.kind === "process.exec" &&
      e.process.binary.startsWith("/usr/bin/") &&
      !(e.process.uid === 0 || e.process.uid === 1000),
  },
  {
    name: "matches or >=",
    source: 'file.path matches "^/etc/(shadow|passwd)$" or network.dport >= 1024',
    baseline: (e) =>
      (e.file !== undefined && /^\/etc\/(shadow|passwd)$/.test(e.file.path)) ||
      (e.network !== undefined && e.network.dport >= 1024),
  },
];

const ITERATIONS = 4_000_000;
const ROUNDS = 9;

/**
 * Runs `test` over the events and returns CPU ns per call (CPU time, not wall time, so other work on a
 * shared machine does not count); the match count keeps the loop from being elided.
 */
function time(test: (e: BenchEvent) => boolean, events: BenchEvent[]): { ns: number; matches: number } {
  let matches = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) if (test(events[i & 1023] as BenchEvent)) matches++;
  const used = process.cpuUsage(start);
  return { ns: ((used.user + used.system) * 1000) / ITERATIONS, matches };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

async function main(): Promise<void> {
  const events = makeEvents();
  let gcs = 0;
  const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));

  console.log(`node ${process.version}, ${ITERATIONS} evaluations x ${ROUNDS} rounds, median CPU ns/op`);
  console.log(`${"condition".padEnd(36)} ${"compiled".padStart(9)} ${"baseline".padStart(9)} ${"ratio".padStart(6)}  gc runs (compiled)`);
  for (const c of CASES) {
    const compiled: Condition = compileCondition(c.source);
    const compiledTimes: number[] = [];
    const baselineTimes: number[] = [];
    for (let round = 0; round < 2; round++) {
      time(compiled, events);
      time(c.baseline, events);
    }
    gcs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      observer.observe({ entryTypes: ["gc"] });
      const a = time(compiled, events);
      await sleep(10); // gc entries are delivered asynchronously
      observer.disconnect();
      const b = time(c.baseline, events);
      if (a.matches !== b.matches) throw new Error(`${c.name}: compiled matched ${a.matches}, baseline ${b.matches}`);
      compiledTimes.push(a.ns);
      baselineTimes.push(b.ns);
    }
    const ns = median(compiledTimes);
    const base = median(baselineTimes);
    console.log(
      `${c.name.padEnd(36)} ${ns.toFixed(1).padStart(9)} ${base.toFixed(1).padStart(9)} ${(ns / base).toFixed(2).padStart(5)}x  ${gcs}`,
    );
  }
}

await main();
