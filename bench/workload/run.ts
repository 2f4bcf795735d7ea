// bench/workload: what the kernel sensors cost a busy host. A loop of short processes that
// exec, open files, create and remove one, and connect over TCP to a local listener runs
// without the agent and with the agent's sensors attached, alternately, in one run:
// the workload's slowdown, the events per second the agent decoded, kernel drops, and the
// agent's CPU and peak RSS. Figures are printed, not asserted.
// Run as root: node dist/bench/workload/run.js [iterations] [sensors] [rounds]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths.js';
import type { AgentFigures } from './agent.js';

const iterations = Number(process.argv[2] ?? 2000);
const sensors = process.argv[3] ?? 'process,file,network,credentials,modules';
const rounds = Number(process.argv[4] ?? 3);
const out = join(projectRoot, 'bench', 'out');
const workloadBin = join(out, 'workload');
const CLOCK_TICKS = 100;

interface WorkloadRun {
  iterations: number;
  failed: number;
  seconds: number;
}

function runWorkload(dir: string): WorkloadRun {
  const printed = execFileSync(workloadBin, [String(iterations), dir], { encoding: 'utf8' });
  const run = JSON.parse(printed) as WorkloadRun;
  if (run.failed > 0) throw new Error(`workload: ${run.failed} of ${run.iterations} iterations failed`);
  return run;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function statusKb(pid: number, field: string): number {
  const line = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0);
}

function nextLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      child.stdout?.off('data', onData);
      resolve(text.slice(0, nl));
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`agent exited (${code}) before printing a line`)));
  });
}

interface AttachedRound {
  run: WorkloadRun;
  figures: AgentFigures;
  cpuSeconds: number;
  idleRssKb: number;
  peakRssKb: number;
}

/** Starts the agent, runs the workload once it is attached, stops it and collects its figures. */
async function attachedRound(dir: string): Promise<AttachedRound> {
  const agent = spawn(process.execPath, [join(projectRoot, 'dist/bench/workload/agent.js'), sensors], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, EBPIPE_LOG_LEVEL: process.env['EBPIPE_LOG_LEVEL'] ?? 'error' },
  });
  if (!agent.pid) throw new Error('agent did not start');
  const ready = await nextLine(agent);
  if (ready !== 'ready') throw new Error(`agent: ${ready}`);
  const idleRssKb = statusKb(agent.pid, 'VmRSS');
  const cpuBefore = cpuSeconds(agent.pid);
  const run = runWorkload(dir);
  const cpu = cpuSeconds(agent.pid) - cpuBefore;
  const peakRssKb = statusKb(agent.pid, 'VmHWM');
  const figuresLine = nextLine(agent);
  agent.kill('SIGTERM');
  const figures = JSON.parse(await figuresLine) as AgentFigures;
  return { run, figures, cpuSeconds: cpu, idleRssKb, peakRssKb };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/workload needs root (it loads the kernel sensors)');
  mkdirSync(out, { recursive: true });
  execFileSync('cc', ['-O2', '-Wall', '-o', workloadBin, join(projectRoot, 'bench/workload/workload.c')]);
  const dir = mkdtempSync(join(tmpdir(), 'ebpipe-workload-'));
  try {
    runWorkload(dir); // warm caches
    // Rounds alternate, so that a host that gets busier or quieter during the run weighs on both sides.
    const without: WorkloadRun[] = [];
    const withAgent: AttachedRound[] = [];
    for (let round = 0; round < rounds; round++) {
      without.push(runWorkload(dir));
      withAgent.push(await attachedRound(dir));
    }
    without.push(runWorkload(dir));

    const off = median(without.map((r) => r.seconds));
    const on = median(withAgent.map((r) => r.run.seconds));
    const onTotal = withAgent.reduce((n, r) => n + r.run.seconds, 0);
    const events = withAgent.reduce((n, r) => n + r.figures.events, 0);
    const cpu = withAgent.reduce((n, r) => n + r.cpuSeconds, 0);
    const byKind: Record<string, number> = {};
    for (const r of withAgent) for (const [k, n] of Object.entries(r.figures.byKind)) byKind[k] = (byKind[k] ?? 0) + n;
    const unavailable = withAgent[0]?.figures.unavailable ?? [];
    const decodeErrors = withAgent.reduce(
      (n, r) => n + r.figures.decode.truncated + r.figures.decode.unknownOp + r.figures.decode.badFraming,
      0,
    );
    const perIteration = (s: number) => `${((s / iterations) * 1e6).toFixed(0)} µs/iteration`;
    const seconds = (runs: readonly number[]) => runs.map((s) => s.toFixed(2)).join(', ');
    const rows: [string, string][] = [
      ['sensors', sensors + (unavailable.length ? ` (unavailable here: ${unavailable.join(', ')})` : '')],
      ['iterations x rounds', `${iterations} x ${rounds}`],
      [
        'without agent',
        `median ${off.toFixed(2)} s, ${perIteration(off)} (runs: ${seconds(without.map((r) => r.seconds))} s)`,
      ],
      [
        'with agent',
        `median ${on.toFixed(2)} s, ${perIteration(on)} (runs: ${seconds(withAgent.map((r) => r.run.seconds))} s)`,
      ],
      ['slowdown', `${((on / off - 1) * 100).toFixed(1)} % (median against median)`],
      ['events decoded', `${events} (${(events / (iterations * rounds)).toFixed(1)}/iteration)`],
      ['events/s', (events / onTotal).toFixed(0)],
      [
        'by kind',
        Object.entries(byKind)
          .sort(([, a], [, b]) => b - a)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
      ],
      ['kernel drops', String(withAgent.reduce((n, r) => n + r.figures.kernelDrops, 0))],
      ['decode errors', String(decodeErrors)],
      [
        'agent cpu',
        `${cpu.toFixed(2)} s over ${onTotal.toFixed(2)} s (${((cpu / onTotal) * 100).toFixed(1)} % of one core)`,
      ],
      [
        'agent rss',
        `${(median(withAgent.map((r) => r.idleRssKb)) / 1024).toFixed(0)} MiB attached, ${(Math.max(...withAgent.map((r) => r.peakRssKb)) / 1024).toFixed(0)} MiB peak`,
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
