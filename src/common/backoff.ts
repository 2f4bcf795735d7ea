// Exponential backoff with jitter, in the OpenTelemetry Collector's retry_on_failure terms.

export interface BackoffSettings {
  initialIntervalMs: number;
  maxIntervalMs: number;
  multiplier: number;
  /** Each wait is the interval ± this fraction of it, so a fleet does not retry in step. */
  randomizationFactor: number;
  /** Give up once this long has passed since the first attempt; 0 retries forever. */
  maxElapsedMs: number;
}

export class Backoff {
  private interval: number;
  private readonly started = Date.now();

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.interval = settings.initialIntervalMs;
  }

  /** The next wait in ms, or null once max elapsed time would be exceeded. */
  next(): number | null {
    const { randomizationFactor: r, maxElapsedMs } = this.settings;
    const wait = this.interval * (1 - r + 2 * r * this.random());
    this.interval = Math.min(this.interval * this.settings.multiplier, this.settings.maxIntervalMs);
    if (maxElapsedMs > 0 && Date.now() - this.started + wait > maxElapsedMs) return null;
    return wait;
  }
}
