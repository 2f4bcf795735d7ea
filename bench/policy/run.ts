// bench/policy: what an active policy costs an open-heavy workload, and what it copies to
// user space. One run, side by side: no BPF at all; the policy sensor attached with no
// policy; policies that match none of the workload's opens (an Equal file, a Prefix
// directory: both need the opened file's path resolved in the kernel); a Post policy that
// matches every open. The workload (open-loop.c, pinned to CPU 0) opens and closes one file
// N times; the agent's ring reader runs in this process.
// Run as root: node dist/bench/policy/run.js [opens] [rounds]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSource } from '../../src/kernel/kernel-source.js';
import { loadNativeAddon } from '../../src/kernel/native.js';
import { projectRoot } from '../../src/common/paths.js';
import type { PolicyVariant } from '../../src/policy/hooks.js';
import { parsePolicy } from '../../src/policy/policy-document.js';
import { PolicyEngine } from '../../src/policy/policy-engine.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { fileOpenPolicy } from '../../src/testing/policies.js';

const opens = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const out = join(projectRoot, 'bench', 'out');
const loopBinary = join(out, 'open-loop');
const actor = { via: 'cli' as const, pid: process.pid, uid: 0 };

interface Row {
  case: string;
  nsPerOpen: number;
  /** Records the ring reader delivered to this process during the case. */
  copied: number;
  /** Records the kernel could not put in the ring. */
  dropped: number;
  evaluated: number;
  posted: number;
}

function loopOnce(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', loopBinary, file, String(opens)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Number(stdout.trim()) / opens) : reject(new Error(`open-loop exited ${code}`)),
    );
  });
}

/** The median ns/open of `rounds` runs. */
async function loop(file: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await loopOnce(file));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', loopBinary, join(projectRoot, 'bench/policy/open-loop.c')]);
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ebpipe-bench-policy-')));
  const file = join(dir, 'data', 'file');
  mkdirSync(join(dir, 'data'));
  writeFileSync(file, 'x');
  const rows: Row[] = [];
  try {
    rows.push({ case: 'no BPF programs', nsPerOpen: await loop(file), copied: 0, dropped: 0, evaluated: 0, posted: 0 });

    let copied = 0;
    const logger = createLogger('bench');
    const source = KernelSource.open({
      sensors: ['policy'],
      ringBytes: 8 << 20,
      reader: { batchBytes: 256 << 10, latencyMs: 5, maxInFlight: 8 },
      logger,
      onBatch: (_batch, records, release) => {
        copied += records;
        release();
      },
    });
    const status = source.sensorStatus().find((s) => s.sensor === 'policy');
    const variant = (status?.state === 'attached' ? status.variant : 'tracepoint') as PolicyVariant;
    const addon = loadNativeAddon();
    const engine = new PolicyEngine({
      object: source.sensorObject('policy')!,
      variant,
      logger,
      emit: () => undefined,
      clockOffsetNs: addon.bootToRealtimeOffsetNs(),
      cpus: addon.possibleCpus(),
    });
    const dropped = () => source.drops().reduce((n, d) => n + d.total, 0);
    const measure = async (name: string, text: string | undefined) => {
      if (text) engine.apply(parsePolicy(text, `${name}.yaml`), actor);
      await new Promise((r) => setTimeout(r, 100));
      const before = { copied, dropped: dropped() };
      const nsPerOpen = await loop(file);
      await new Promise((r) => setTimeout(r, 300)); // the reader drains the ring
      const counts = engine.list()[0]?.hooks[0]?.counts;
      rows.push({
        case: name,
        nsPerOpen,
        copied: copied - before.copied,
        dropped: dropped() - before.dropped,
        evaluated: counts?.evaluated ?? 0,
        posted: counts?.posted ?? 0,
      });
      const loaded = engine.list()[0];
      if (loaded) engine.delete(loaded.name, actor);
    };
    try {
      await measure(`policy sensor (${variant}), no policy`, undefined);
      await measure(
        'non-matching Equal policy',
        fileOpenPolicy(
          'equal',
          `    - matchArgs:\n      - index: 0\n        operator: Equal\n        values: [${dir}/protected]\n      matchActions:\n      - action: Sigkill`,
        ),
      );
      await measure(
        'non-matching Prefix policy',
        fileOpenPolicy(
          'prefix',
          `    - matchArgs:\n      - index: 0\n        operator: Prefix\n        values: [${dir}/elsewhere/]`,
        ),
      );
      await measure(
        'matching Post policy',
        fileOpenPolicy(
          'post',
          `    - matchArgs:\n      - index: 0\n        operator: Prefix\n        values: [${dir}/data/]`,
        ),
      );
    } finally {
      engine.close();
      await source.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const base = rows[0]!.nsPerOpen;
  console.log(`policy bench: ${opens} opens per round, median of ${rounds} rounds, workload pinned to CPU 0\n`);
  console.log(
    [
      'case'.padEnd(40),
      'ns/open'.padStart(9),
      'slowdown'.padStart(9),
      'copied'.padStart(9),
      'dropped'.padStart(8),
      'evaluated'.padStart(10),
      'posted'.padStart(8),
    ].join(' '),
  );
  for (const r of rows) {
    console.log(
      [
        r.case.padEnd(40),
        r.nsPerOpen.toFixed(0).padStart(9),
        `${(r.nsPerOpen / base).toFixed(2)}x`.padStart(9),
        String(r.copied).padStart(9),
        String(r.dropped).padStart(8),
        String(r.evaluated).padStart(10),
        String(r.posted).padStart(8),
      ].join(' '),
    );
  }
  console.log(
    "\ncopied: records the ring reader handed to user space during the case (every op); evaluated/posted: the rule's kernel counters (all rounds)",
  );
}

await main();
