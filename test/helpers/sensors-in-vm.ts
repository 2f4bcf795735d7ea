// Runs inside the kernel VM for test/sensor-kernel-vm.root.test.ts, where the kernel has
// module support and allows BPF LSM programs: opens the file and modules sensors, makes the
// calls the test asks about, and prints one JSON report on stdout.
// Usage: node sensors-in-vm.js SENSOR_HELPER DIR
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecodeStats } from '../../src/events/decode.js';
import type { Event } from '../../src/events/model.js';
import type { KernelDrop, SensorStatus } from '../../src/kernel/kernel-source.js';
import { CollectingKernel } from './kernel.js';

export interface VmReport {
  status: readonly SensorStatus[];
  /** Events of the processes this script started. */
  events: Event[];
  pids: Record<string, number>;
  /** stat(2) of the file the helper opened, as the guest sees it. */
  opened: { path: string; dev: number; ino: number };
  drops: KernelDrop[];
  decodeStats: DecodeStats;
}

function run(file: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', () => resolve(child.pid ?? -1));
  });
}

async function main(): Promise<void> {
  const [helper, dir] = process.argv.slice(2);
  if (!helper || !dir) throw new Error('usage: sensors-in-vm SENSOR_HELPER DIR');
  const opened = join(dir, 'opened-in-vm.txt');
  writeFileSync(opened, 'x');
  const kernel = new CollectingKernel({ sensors: ['file', 'modules'] });
  try {
    const pids = {
      open: await run(helper, ['chdir-open', dir, 'opened-in-vm.txt']),
      modprobe: await run('modprobe', ['dummy']),
      unload: await run('modprobe', ['-r', 'dummy']),
      badFd: await run(helper, ['finit-module-bad-fd']),
    };
    const mine = new Set(Object.values(pids));
    await kernel.waitFor((e) => e.kind === 'module.load' && e.process.pid === pids.badFd, 30_000);
    await kernel.waitFor((e) => e.kind === 'module.unload' && e.process.pid === pids.unload, 30_000);
    const st = statSync(opened);
    const report: VmReport = {
      status: kernel.source.sensorStatus(),
      events: kernel.events.filter(
        (e) =>
          (e.kind.startsWith('module.') && mine.has(e.process.pid)) ||
          (e.kind === 'file.open' && e.process.pid === pids.open),
      ),
      pids,
      opened: { path: opened, dev: st.dev, ino: st.ino },
      drops: kernel.source.drops(),
      decodeStats: kernel.decoder.stats,
    };
    process.stdout.write(JSON.stringify(report, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  } finally {
    await kernel.close();
  }
}

await main();
