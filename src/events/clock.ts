// Records carry boot-clock nanoseconds; people and exporters want wall-clock time. The
// offset between the two clocks travels with each event (origin.clockOffsetNs): a replayed
// capture keeps the offset of the host and boot it was recorded on.
import { readFileSync } from 'node:fs';
import type { RecordOrigin } from './references.js';

let bootId: string | undefined;

/** This boot of this host (/proc/sys/kernel/random/boot_id); '' where the kernel does not say. */
export function hostBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return bootId;
}

/** Nanoseconds since the Unix epoch. */
export function epochNs(origin: RecordOrigin): bigint {
  return origin.clockOffsetNs + BigInt(Math.round(origin.ktime));
}

/** RFC 3339 with nanoseconds, as OpenTelemetry and Tetragon print times. */
export function isoTime(origin: RecordOrigin): string {
  return isoTimeOfNs(epochNs(origin));
}

/** `ns` since the Unix epoch in RFC 3339 with nanoseconds. */
export function isoTimeOfNs(ns: bigint): string {
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
