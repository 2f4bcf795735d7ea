// Records carry boot-clock nanoseconds; people and exporters want wall-clock time.

export class WallClock {
  /** realtime - boottime, in nanoseconds, sampled once at start-up (or stored in a capture). */
  constructor(readonly bootToRealtimeOffsetNs: bigint) {}

  epochNs(ktime: number): bigint {
    return this.bootToRealtimeOffsetNs + BigInt(Math.round(ktime));
  }

  /** RFC 3339 with nanoseconds, as OpenTelemetry and Tetragon print times. */
  iso(ktime: number): string {
    const ns = this.epochNs(ktime);
    const seconds = ns / 1_000_000_000n;
    const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
    return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
  }
}
