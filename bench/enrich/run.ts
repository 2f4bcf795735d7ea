/**
 * Micro-benchmark of the process enricher's hot path: ns per event for enrich() on a warm
 * cache (2000 processes, each 7 images deep: ancestry of 6 plus itself, in a container
 * cgroup, with a user name), next to a baseline that does the least any enrichment must
 * (one Map lookup by pid and one field assignment). Each event gets a fresh ProcessRef, as
 * decode makes one per record, in both loops. Also: the exec path (observe + enrich of an
 * exec: a new image), misses of unknown processes, and seeding from this host's /proc.
 * Run: npx tsc -p tsconfig.json && node dist/bench/enrich/run.js [events per round]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupDirectory } from '../../src/containers/cgroup-directory.js';
import type { Event } from '../../src/events/model.js';
import type { ExecEvent } from '../../src/events/process-events.js';
import type { ProcessRef } from '../../src/events/references.js';
import { UserNames } from '../../src/processes/user-names.js';
import { ProcessEnricher } from '../../src/processors/enrich/process-enricher.js';
import { execEvent, exitEvent, forkEvent, type ProcessKey } from '../../src/testing/synthetic-events.js';

const PROCESSES = 2000;
const DEPTH = 6;
const S = 1e9;
const perRound = Number(process.argv[2] ?? 1_000_000);

// A cgroup tree standing in for the cgroup2 mount, and a passwd file, so nothing of this host leaks in.
const scratch = mkdtempSync(join(tmpdir(), 'ebpipe-bench-enrich-'));
const scope = join(
  scratch,
  'cgroup',
  'kubepods.slice',
  'kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice',
  `cri-containerd-${'ab'.repeat(32)}.scope`,
);
mkdirSync(scope, { recursive: true });
writeFileSync(join(scratch, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/srv:/bin/sh\n');
const emptyProc = join(scratch, 'proc');
mkdirSync(emptyProc);

function newEnricher(): ProcessEnricher {
  return new ProcessEnricher({
    host: 'bench-host:0011223344556677',
    procRoot: emptyProc,
    cgroups: new CgroupDirectory({ mountPoint: join(scratch, 'cgroup'), procRoot: emptyProc, hybrid: false }),
    users: new UserNames({ path: join(scratch, 'passwd') }),
  });
}

const cgroupId = statSync(scope).ino;
let ktime = 1 * S;
function spawnImage(e: ProcessEnricher, child: ProcessKey, parent: ProcessKey, binary: string): ExecEvent {
  e.enrichBatch([forkEvent((ktime += 1000), child, parent)]);
  const exec = execEvent({
    ktime: (ktime += 1000),
    process: child,
    parent,
    binary,
    argv: [binary, '--serve', '--port=8080'],
    cwd: '/srv',
    uid: 1000,
    cgroupId,
  });
  e.enrichBatch([exec]);
  return exec;
}

/** A chain DEPTH deep (containerd-shim -> sh -> ... ), then PROCESSES children at its end. */
const enricher = newEnricher();
let pid = 10;
let parent: ProcessKey = { pid: 1, startNs: 0 };
for (let level = 0; level < DEPTH; level++) {
  const child = { pid: pid++, startNs: (ktime += 1000) };
  spawnImage(enricher, child, parent, `/usr/bin/level-${level}`);
  parent = child;
}
const leaves: ProcessKey[] = [];
for (let i = 0; i < PROCESSES; i++) {
  const child = { pid: pid++, startNs: (ktime += 1000) };
  spawnImage(enricher, child, parent, '/usr/local/bin/worker');
  leaves.push(child);
}
const probe = exitEvent(ktime, leaves[0]!);
enricher.enrich(probe);
if (
  probe.process.ancestors?.length !== DEPTH ||
  probe.process.containerId === undefined ||
  probe.process.user !== 'app'
) {
  throw new Error(`warm cache is not what the benchmark claims: ${JSON.stringify(probe.process)}`);
}

const baselineMap = new Map<number, { execId: string }>(leaves.map((l) => [l.pid, { execId: `id-${l.pid}` }]));
const event: Event = exitEvent(ktime, leaves[0]!);
let sink = 0;

function freshRef(key: ProcessKey): ProcessRef {
  return { pid: key.pid, tid: key.pid, startNs: key.startNs, comm: 'worker' };
}

function baseline(n: number): void {
  for (let i = 0; i < n; i++) {
    const key = leaves[i % PROCESSES]!;
    const p = freshRef(key);
    const known = baselineMap.get(p.pid);
    if (known !== undefined) p.execId = known.execId;
    sink += p.execId?.length ?? 0;
  }
}

function enrichWarm(n: number): void {
  for (let i = 0; i < n; i++) {
    event.process = freshRef(leaves[i % PROCESSES]!);
    enricher.enrich(event);
    sink += event.process.execId?.length ?? 0;
  }
}

const unknown = newEnricher();
function enrichMiss(n: number): void {
  for (let i = 0; i < n; i++) {
    event.process = freshRef(leaves[i % PROCESSES]!);
    unknown.enrich(event);
    sink += event.process.execId?.length ?? 0;
  }
}

/** Exec events of new images of the leaves (each exec in place replaces the previous image). */
const execs = leaves.map((l) =>
  execEvent({
    ktime: ktime + 1,
    process: l,
    parent,
    binary: '/usr/bin/curl',
    argv: ['curl', '-s', 'http://localhost:8080/health'],
    cwd: '/srv',
    uid: 1000,
    cgroupId,
  }),
);
const execEnricher = newEnricher();
for (const l of leaves) spawnImage(execEnricher, l, { pid: 1, startNs: 0 }, '/usr/local/bin/worker');
function observeExec(n: number): void {
  for (let i = 0; i < n; i++) {
    const exec = execs[i % PROCESSES]!;
    exec.origin.ktime++;
    execEnricher.observe(exec);
    execEnricher.enrich(exec);
    sink += exec.process.execId?.length ?? 0;
  }
}

function nsPerEvent(fn: (n: number) => void, n: number): number {
  const start = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - start) / n;
}

/** Best of 5 rounds after a warm-up round, to keep GC and JIT noise out. */
function measure(fn: (n: number) => void, n: number): number {
  fn(n);
  let best = Infinity;
  for (let round = 0; round < 5; round++) best = Math.min(best, nsPerEvent(fn, n));
  return best;
}

console.log(
  `node ${process.version}, ${perRound} events per round, best of 5 rounds; ${PROCESSES} processes, ancestry ${DEPTH}`,
);
const rows: [string, number][] = [
  ['baseline: fresh ProcessRef + Map.get(pid) + 1 field', measure(baseline, perRound)],
  ['enrich(): warm cache (13 fields, ancestry, container, pod uid, user)', measure(enrichWarm, perRound)],
  ['enrich(): unknown process (after its one /proc try)', measure(enrichMiss, perRound)],
  ['observe()+enrich() of an exec (a new image)', measure(observeExec, Math.max(1000, perRound / 10))],
];
for (const [name, ns] of rows) console.log(`${name.padEnd(72)} ${ns.toFixed(1).padStart(8)} ns/event`);

const hostEnricher = new ProcessEnricher();
const seedStart = process.hrtime.bigint();
hostEnricher.seedFromProc();
const seedMs = Number(process.hrtime.bigint() - seedStart) / 1e6;
console.log(`seedFromProc() on this host: ${hostEnricher.stats().seeded} processes in ${seedMs.toFixed(1)} ms`);
console.log(
  `stats: ${JSON.stringify({ warm: enricher.stats().hits, misses: unknown.stats().misses, execEntries: execEnricher.stats().entries })}`,
);
rmSync(scratch, { recursive: true, force: true });
if (sink === 0) console.log('');
