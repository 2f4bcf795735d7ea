// Puts a bounded queue and retries in front of an exporter (the Collector's exporterhelper):
// pipelines enqueue batches, consumers pull them and export with backoff, and each batch's
// delivery is settled exactly once: exported, or dropped with a counted reason.
import { setTimeout as delay } from 'node:timers/promises';
import type { Event } from '../events/model.js';
import type { Counter, CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import { Backoff, type BackoffSettings } from '../common/backoff.js';
import type { Delivery } from './batch.js';
import { Channel } from './channel.js';
import { ExportError, type Exporter, type PartialExport } from './component.js';

export interface QueueSettings {
  /** Batches waiting to be exported. */
  queueSize: number;
  /** Batches exported concurrently. */
  numConsumers: number;
  /** When full: wait (backpressure to the receiver) or drop the new batch. */
  blockOnOverflow: boolean;
}

/** How queued batches are merged into one export. */
export interface BatchSettings {
  /** Wait (up to flushTimeoutMs) until this many events are gathered; 0 takes what is queued. */
  minEvents: number;
  maxEvents: number;
  flushTimeoutMs: number;
}

export interface RetrySettings extends BackoffSettings {
  enabled: boolean;
}

export interface ExporterQueueSettings {
  queue: QueueSettings;
  retry: RetrySettings;
  batch: BatchSettings;
}

interface QueuedBatch {
  events: readonly Event[];
  delivery: Delivery;
}

export class QueuedExporter {
  private readonly queue: Channel<QueuedBatch>;
  private readonly consumers: Promise<void>[] = [];
  /** Every event handed to this exporter: received = sent + dropped + still queued, at any time. */
  private readonly received: Counter;
  private readonly sent: Counter;
  private readonly failedAttempts: Counter;
  private readonly stopping = new AbortController();
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly exporter: Exporter,
    private readonly settings: ExporterQueueSettings,
    private readonly counters: CounterRegistry,
    private readonly logger: Logger,
  ) {
    this.queue = new Channel(settings.queue.queueSize, settings.queue.blockOnOverflow ? 'block' : 'drop_newest');
    this.received = counters.counter('exporter_received_events_total', { exporter: id });
    this.sent = counters.counter('exporter_sent_events_total', { exporter: id });
    this.failedAttempts = counters.counter('exporter_send_failed_attempts_total', { exporter: id });
  }

  async start(): Promise<void> {
    await this.exporter.start?.();
    for (let i = 0; i < this.settings.queue.numConsumers; i++) this.consumers.push(this.consume());
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once queued (or refused and counted); the delivery is settled later either way. */
  async enqueue(events: readonly Event[], delivery: Delivery): Promise<void> {
    delivery.hold();
    this.received.add(events.length);
    if (!(await this.queue.push({ events, delivery }))) this.drop({ events, delivery }, 'queue_full');
  }

  private drop(batch: QueuedBatch, reason: string): void {
    this.counters.counter('exporter_dropped_events_total', { exporter: this.id, reason }).add(batch.events.length);
    batch.delivery.settle(0, batch.events.length);
  }

  /**
   * The destination acknowledged the group; `partial` says how many of its events it refused. It does not
   * say which, so the deliveries carry them first come: the totals, which the ledger checks, are exact.
   */
  private delivered(group: readonly QueuedBatch[], events: number, partial: PartialExport | void): void {
    let rejected = partial ? Math.min(Math.max(0, partial.rejected), events) : 0;
    if (partial && rejected > 0) {
      this.counters
        .counter('exporter_dropped_events_total', { exporter: this.id, reason: partial.reason })
        .add(rejected);
    }
    this.sent.add(events - rejected);
    for (const b of group) {
      const dropped = Math.min(rejected, b.events.length);
      rejected -= dropped;
      b.delivery.settle(b.events.length - dropped, dropped);
    }
  }

  private async consume(): Promise<void> {
    for (let first = await this.queue.pull(); first; first = await this.queue.pull()) {
      await this.exportWithRetry(await this.gather(first));
    }
  }

  /**
   * Merges queued batches behind `first`, up to maxEvents (a batch that would go past it waits for
   * the next export); waits for more, up to the flush timeout, while fewer than minEvents are
   * gathered. Each batch keeps its own delivery.
   */
  private async gather(first: QueuedBatch): Promise<QueuedBatch[]> {
    const group = [first];
    let events = first.events.length;
    const { minEvents, maxEvents, flushTimeoutMs } = this.settings.batch;
    const deadline = performance.now() + flushTimeoutMs;
    while (events < maxEvents) {
      const queued = this.queue.peek();
      if (queued && events + queued.events.length > maxEvents) break;
      let next = this.queue.tryPull();
      if (!next && events < minEvents) {
        const wait = deadline - performance.now();
        if (wait > 0) next = await this.queue.pullWithin(wait);
      }
      if (!next) break;
      group.push(next);
      events += next.events.length;
    }
    return group;
  }

  private async exportWithRetry(group: QueuedBatch[]): Promise<void> {
    const backoff = new Backoff(this.settings.retry);
    const events = group.length === 1 ? group[0]!.events : group.flatMap((b) => b.events);
    for (;;) {
      try {
        this.delivered(group, events.length, await this.exporter.export(events));
        return;
      } catch (err) {
        this.failedAttempts.add();
        const e =
          err instanceof ExportError
            ? err
            : new ExportError('EXPORT_FAILED', (err as Error).message, { permanent: false });
        this.counters.counter('exporter_errors_total', { exporter: this.id, code: e.code }).add();
        const next =
          e.permanent || !this.settings.retry.enabled || this.stopping.signal.aborted ? null : backoff.next();
        const wait = next === null ? null : Math.max(next, e.retryAfterMs ?? 0);
        if (wait === null) {
          this.logger.error(
            { exporter: this.id, code: e.code, events: events.length, err: e.message },
            'dropping batch',
          );
          for (const b of group) this.drop(b, e.permanent ? 'permanent_error' : 'retries_exhausted');
          return;
        }
        this.logger.warn(
          { exporter: this.id, code: e.code, retryInMs: Math.round(wait), err: e.message },
          'export failed, retrying',
        );
        // Aborted at the shutdown deadline: one last attempt, and a failure then drops the batch.
        await delay(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  /**
   * Stops accepting batches, exports what is queued (retries cut short by the shutdown
   * deadline are dropped and counted), then shuts the exporter down.
   */
  shutdown(deadlineMs = 30_000): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.queue.close();
      const timer = setTimeout(() => this.stopping.abort(), deadlineMs);
      await Promise.all(this.consumers);
      clearTimeout(timer);
      await this.exporter.shutdown();
    })();
    return this.shutdownPromise;
  }
}
