// `ebpipe record FILE`: the kernel sensors' raw ring batches into a capture file, for
// `ebpipe replay` and for tests and benchmarks that need no root. A batch's ring credit is
// given back once its block is written, so a slow disk slows the reader and, past the
// ring's size, the kernel counts drops instead of ebpipe buffering without bound.
import { unlink } from 'node:fs/promises';
import { localCaptureHeader } from '../capture/capture-format.js';
import { CaptureWriter } from '../capture/capture-writer.js';
import { KernelSource, type KernelDrop } from '../kernel/kernel-source.js';
import { loadNativeAddon } from '../kernel/native.js';
import type { Logger } from '../telemetry/logger.js';

export interface RecordOptions {
  /** Sensor objects to load; default ['process']. */
  sensors?: readonly string[];
  /** Stop after this long. */
  durationMs?: number;
  /** Stop once this many records are written (the last batch is cut to fit). */
  maxRecords?: number;
  /** Stops the recording when it resolves (the CLI passes SIGINT/SIGTERM). */
  stop?: Promise<void>;
  logger: Logger;
  /** Where the summary line goes; default stdout. */
  out?: NodeJS.WritableStream;
}

export type RecordStopReason = 'signal' | 'duration' | 'max_records' | 'write_error';

export interface RecordSummary {
  path: string;
  records: number;
  batches: number;
  /** File size, header included. */
  bytes: number;
  stoppedBy: RecordStopReason;
  /** Records read from the ring after the record limit, not written. */
  notRecorded: number;
  /** Records the kernel could not put in the ring, by reason, op and CPU. */
  kernelDrops: KernelDrop[];
  /** Records still in the ring when the reader stopped and was not given time for. */
  discardedAtStop: number;
}

/** Bytes of a native batch holding its first `records` records ({u32 length; u32 0; record; pad to 8} each). */
function framedLength(batch: Buffer, records: number): number {
  let at = 0;
  for (let i = 0; i < records && at + 8 <= batch.length; i++) at = (at + 8 + batch.readUInt32LE(at) + 7) & ~7;
  return Math.min(at, batch.length);
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}

function formatDrops(drops: readonly KernelDrop[]): string {
  if (drops.length === 0) return 'none';
  const total = drops.reduce((n, d) => n + d.total, 0);
  return `${total} (${drops.map((d) => `${d.reason} op ${d.op}: ${d.total}`).join(', ')})`;
}

/** Records until stopped (signal, duration or record limit); resolves after the file is complete and synced. */
export async function record(file: string, options: RecordOptions): Promise<RecordSummary> {
  const writer = await CaptureWriter.create(file, localCaptureHeader(loadNativeAddon().bootToRealtimeOffsetNs()));
  let stopBy: (reason: RecordStopReason) => void = () => undefined;
  const stopped = new Promise<RecordStopReason>((resolve) => (stopBy = resolve));
  const limit = options.maxRecords ?? Infinity;
  let accepted = 0;
  let notRecorded = 0;
  let writeError: Error | undefined;

  let source: KernelSource;
  try {
    source = KernelSource.open({
      sensors: options.sensors ?? ['process'],
      ringBytes: 8 << 20,
      reader: { batchBytes: 256 << 10, latencyMs: 5, maxInFlight: 8 },
      logger: options.logger,
      onBatch(batch, records, release) {
        const take = writeError ? 0 : Math.min(records, limit - accepted);
        notRecorded += records - take;
        if (take <= 0) return release();
        accepted += take;
        if (accepted >= limit) stopBy('max_records');
        const bytes = take < records ? batch.subarray(0, framedLength(batch, take)) : batch;
        writer.append(bytes, take).then(release, (err: Error) => {
          writeError ??= err;
          stopBy('write_error');
          release();
        });
      },
    });
  } catch (err) {
    await writer.close();
    await unlink(file).catch(() => undefined); // a header alone would only mislead
    throw err;
  }
  options.logger.info({ path: file, sensors: options.sensors ?? ['process'] }, 'recording');

  const timer = options.durationMs === undefined ? undefined : setTimeout(() => stopBy('duration'), options.durationMs);
  void options.stop?.then(() => stopBy('signal'));
  const stoppedBy = await stopped;
  clearTimeout(timer);
  // Detaches, then delivers what the ring still holds (written unless past the limit).
  await source.close();
  await writer.close().catch((err: Error) => (writeError ??= err));
  if (writeError) throw writeError;

  const summary: RecordSummary = {
    path: file,
    records: writer.stats.records,
    batches: writer.stats.batches,
    bytes: writer.stats.bytes,
    stoppedBy,
    notRecorded,
    kernelDrops: source.drops(),
    discardedAtStop: source.readerStats()?.discardedAtStop ?? 0,
  };
  const out = options.out ?? process.stdout;
  out.write(
    `recorded ${summary.records} records in ${summary.batches} batch${summary.batches === 1 ? '' : 'es'} to ${file} (${formatBytes(summary.bytes)}), ` +
      `stopped by ${stoppedBy.replace('_', ' ')}; kernel drops: ${formatDrops(summary.kernelDrops)}` +
      (summary.discardedAtStop ? `; ${summary.discardedAtStop} left in the ring at stop` : '') +
      (notRecorded ? `; ${notRecorded} past the record limit not written` : '') +
      '\n',
  );
  return summary;
}
