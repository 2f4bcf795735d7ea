// Records carry boot-clock nanoseconds; people and exporters want wall-clock time. The
// offset between the two clocks travels with each event (origin.clockOffsetNs): a replayed
// capture keeps the offset of the host and boot it was recorded on.
import type { RecordOrigin } from './references.js';

/** Nanoseconds since the Unix epoch. */
export function epochNs(origin: RecordOrigin): bigint {
  return origin.clockOffsetNs + BigInt(Math.round(origin.ktime));
}

/** RFC 3339 with nanoseconds, as OpenTelemetry and Tetragon print times. */
export function isoTime(origin: RecordOrigin): string {
  const ns = epochNs(origin);
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** The origin of an event made in user space: now, on the boot clock the kernel's records use. */
export function userSpaceOrigin(clockOffsetNs: bigint): RecordOrigin {
  return {
    ktime: Number(BigInt(Date.now()) * 1_000_000n - clockOffsetNs),
    cpu: 0,
    seq: 0,
    clockOffsetNs,
  };
}
