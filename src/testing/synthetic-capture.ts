// Captures made up of synthetic exec/exit records, for replay tests and benchmarks that
// need no kernel: every record is distinct (pid, seq, argv) so a test can tell them apart.
import { encodeExec, encodeExit, frameBatch } from '../events/encode.js';
import { localCaptureHeader } from '../capture/capture-format.js';
import { CaptureWriter } from '../capture/capture-writer.js';

/** Record i of a synthetic capture: execs, with every fourth one an exit. */
export function syntheticRecord(i: number): Buffer {
  const task = { tgid: 1000 + i, pid: 1000 + i, startNs: 1_000_000 + i };
  const header = { ktime: 5_000_000_000 + i * 1000, cpu: i % 2, seq: i };
  if (i % 4 === 3) return encodeExit({ ...header, task, status: (i % 256) << 8, comm: 'worker' });
  return encodeExec({
    ...header,
    task,
    parent: { tgid: 1, pid: 1, startNs: 10 },
    creds: { uid: 1000, gid: 1000, euid: 1000, egid: 1000, capEffective: 0n, capPermitted: 0n },
    ns: { mnt: 1, pid: 2, net: 3, uts: 4, ipc: 5, user: 6, cgroup: 7 },
    cgroupId: 42,
    flags: 0,
    comm: 'worker',
    filename: '/usr/bin/worker',
    argv: ['/usr/bin/worker', `--job=${i}`, '--verbose'],
    cwd: '/srv/jobs',
  });
}

/** A batch framed like the native reader's, holding records [first, first + count). */
export function syntheticBatch(first: number, count: number): Buffer {
  return frameBatch(Array.from({ length: count }, (_, k) => syntheticRecord(first + k)));
}

/** Writes `batches` batches of `recordsPerBatch` records each; record numbers run on across batches. */
export async function writeSyntheticCapture(
  path: string,
  options: { batches: number; recordsPerBatch: number; clockOffsetNs?: bigint },
): Promise<void> {
  const writer = await CaptureWriter.create(path, localCaptureHeader(options.clockOffsetNs ?? 0n));
  try {
    for (let b = 0; b < options.batches; b++) {
      await writer.append(
        syntheticBatch(b * options.recordsPerBatch, options.recordsPerBatch),
        options.recordsPerBatch,
      );
    }
  } finally {
    await writer.close();
  }
}
