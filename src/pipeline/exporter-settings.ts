// Settings every exporter shares, with the OpenTelemetry Collector's exporterhelper names:
// the queue in front of it and how failed exports are retried.
import { z } from 'zod';
import { duration } from '../config/units.js';
import type { QueueSettings, RetrySettings } from './queued-exporter.js';

const queue = z
  .object({
    enabled: z.boolean().default(true),
    /** Batches waiting for the exporter. */
    queue_size: z.number().int().positive().default(64),
    /** Batches exported concurrently. */
    num_consumers: z.number().int().positive().default(1),
    /** When full: wait, so the receiver slows down (true), or drop and count the new batch (false). */
    block_on_overflow: z.boolean().default(true),
  })
  .strict();

// Durations parse to milliseconds; zod's default() takes the parsed value.
const retry = z
  .object({
    enabled: z.boolean().default(true),
    initial_interval: duration().default(1000),
    max_interval: duration({ min: '1ms' }).default(30_000),
    multiplier: z.number().min(1).default(1.5),
    randomization_factor: z.number().min(0).max(1).default(0.5),
    /** Give up on a batch after this long; 0s retries until shutdown. */
    max_elapsed_time: duration().default(300_000),
  })
  .strict();

export const exporterHelperSettings = z.object({
  sending_queue: queue.default(queue.parse({})),
  retry_on_failure: retry.default(retry.parse({})),
});

export type ExporterHelperSettings = z.output<typeof exporterHelperSettings>;

export function queueSettings(s: ExporterHelperSettings): QueueSettings {
  const q = s.sending_queue;
  // A disabled queue still holds one batch: export() is awaited one batch at a time.
  return q.enabled
    ? { queueSize: q.queue_size, numConsumers: q.num_consumers, blockOnOverflow: q.block_on_overflow }
    : { queueSize: 1, numConsumers: 1, blockOnOverflow: true };
}

export function retrySettings(s: ExporterHelperSettings): RetrySettings {
  const r = s.retry_on_failure;
  return {
    enabled: r.enabled,
    initialIntervalMs: r.initial_interval,
    maxIntervalMs: r.max_interval,
    multiplier: r.multiplier,
    randomizationFactor: r.randomization_factor,
    maxElapsedMs: r.max_elapsed_time,
  };
}
