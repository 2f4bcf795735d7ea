// `ebpipe doctor`: what this host offers the agent, checked for real: privileges, BTF,
// pseudo-filesystems, active LSMs, and which variant of every sensor loads and attaches
// here (each is loaded, attached and detached again).
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { KernelSource } from '../kernel/kernel-source.js';
import { PreflightError, preflight } from '../kernel/preflight.js';
import type { SensorStatus } from '../kernel/sensor-loader.js';
import { SENSOR_NAMES } from '../kernel/sensors.js';
import type { Logger } from '../telemetry/logger.js';

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function describe(status: SensorStatus): string {
  if (status.state === 'unavailable') return `unavailable: ${status.reason}`;
  const fellBack = status.failures.map((f) => `${f.variant} refused (${f.reason.split('\n')[0]})`);
  const skipped = status.skipped.length ? `; ${status.skipped.length} program(s) without attach point skipped` : '';
  return `${status.variant} (${status.programs.length} programs)${fellBack.length ? `; ${fellBack.join('; ')}` : ''}${skipped}`;
}

/** Prints the report; resolves false when the agent could not run here at all. */
export async function doctor(out: NodeJS.WritableStream, logger: Logger): Promise<boolean> {
  const line = (label: string, value: string) => out.write(`${label.padEnd(22)} ${value}\n`);
  line('kernel', release());
  line('btf', existsSync('/sys/kernel/btf/vmlinux') ? '/sys/kernel/btf/vmlinux' : 'missing');
  line('lsm', readOr('/sys/kernel/security/lsm', 'securityfs not mounted'));
  try {
    const report = preflight();
    line('preflight', report.mounted.length ? `ok (mounted ${report.mounted.join(', ')})` : 'ok');
  } catch (err) {
    if (!(err instanceof PreflightError)) throw err;
    for (const problem of err.problems) line('preflight', problem);
    return false;
  }
  for (const sensor of SENSOR_NAMES) {
    try {
      const source = KernelSource.open({
        sensors: [sensor],
        ringBytes: 1 << 16,
        reader: { batchBytes: 4096, latencyMs: 50, maxInFlight: 1 },
        logger: logger.child({ sensor }),
        onBatch: (_batch, _records, release) => release(),
      });
      for (const status of source.sensorStatus()) line(`sensor ${sensor}`, describe(status));
      await source.close();
    } catch (err) {
      line(`sensor ${sensor}`, `unavailable: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  return true;
}
