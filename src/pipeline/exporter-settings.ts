// Settings every exporter shares, with the OpenTelemetry Collector's exporterhelper names:
// the queue in front of it, how queued batches are merged into one export, and how failed
// exports are retried.
import { z } from 'zod';
import { duration } from '../common/units.js';
import type { BatchSettings, ExporterQueueSettings, QueueSettings, RetrySettings } from './queued-exporter.js';

/** What an exporter merges by default; a destination that prefers big writes asks for more. */
export interface BatchDefaults {
  min_size: number;
  max_size: number;
  flush_timeout: number;
}

const OPPORTUNISTIC: BatchDefaults = { min_size: 0, max_size: 8192, flush_timeout: 200 };

/** What an exporter runs at once by default; one that waits long per export (indexer acks) asks for more. */
export interface QueueDefaults {
  num_consumers: number;
}

const ONE_AT_A_TIME: QueueDefaults = { num_consumers: 1 };

function batch(defaults: BatchDefaults) {
  return z
    .object({
      /** Wait for at least this many events (up to flush_timeout) before exporting; 0 exports what is queued. */
      min_size: z.number().int().nonnegative().default(defaults.min_size),
      /** Merge queued batches up to this many events per export. */
      max_size: z.number().int().positive().default(defaults.max_size),
      flush_timeout: duration({ min: '1ms' }).default(defaults.flush_timeout),
    })
    .strict();
}

function queue(defaults: BatchDefaults, queueDefaults: QueueDefaults) {
  const batchSchema = batch(defaults);
  return z
    .object({
      enabled: z.boolean().default(true),
      /** Batches waiting for the exporter. */
      queue_size: z.number().int().positive().default(64),
      /** Exports in flight at once. */
      num_consumers: z.number().int().positive().default(queueDefaults.num_consumers),
      /** When full: wait, so the receiver slows down (true), or drop and count the new batch (false). */
      block_on_overflow: z.boolean().default(true),
      batch: batchSchema.default(batchSchema.parse({})),
    })
    .strict();
}

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

/** `timeout`, as the Collector's exporterhelper names it: how long one export may take before it counts as failed (and is retried). */
export function timeoutSetting(defaultMs: number) {
  return duration({ min: '1ms' }).default(defaultMs);
}

/**
 * The shared settings, to `.extend()` with an exporter's own; `batchDefaults` sets its merging,
 * `queueDefaults` how many exports it runs at once.
 */
export function exporterHelperSettings(
  batchDefaults: BatchDefaults = OPPORTUNISTIC,
  queueDefaults: QueueDefaults = ONE_AT_A_TIME,
) {
  const queueSchema = queue(batchDefaults, queueDefaults);
  return z.object({
    sending_queue: queueSchema.default(queueSchema.parse({})),
    retry_on_failure: retry.default(retry.parse({})),
  });
}

export type ExporterHelperSettings = z.output<ReturnType<typeof exporterHelperSettings>>;

export function exporterQueueSettings(s: ExporterHelperSettings): ExporterQueueSettings {
  return { queue: queueSettings(s), retry: retrySettings(s), batch: batchSettings(s) };
}

function queueSettings(s: ExporterHelperSettings): QueueSettings {
  const q = s.sending_queue;
  // A disabled queue still holds one batch: export() is awaited one batch at a time.
  return q.enabled
    ? { queueSize: q.queue_size, numConsumers: q.num_consumers, blockOnOverflow: q.block_on_overflow }
    : { queueSize: 1, numConsumers: 1, blockOnOverflow: true };
}

function batchSettings(s: ExporterHelperSettings): BatchSettings {
  const b = s.sending_queue.batch;
  return { minEvents: b.min_size, maxEvents: b.max_size, flushTimeoutMs: b.flush_timeout };
}

function retrySettings(s: ExporterHelperSettings): RetrySettings {
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
