// Building blocks for pipeline tests: a context, scripted receivers and exporters, retry settings.
import type { Event } from '../events/model.js';
import { Delivery, type DeliveryResult } from '../pipeline/batch.js';
import type { BatchConsumer, ComponentContext, Exporter, Receiver } from '../pipeline/component.js';
import type { RetrySettings } from '../pipeline/queued-exporter.js';
import { CounterRegistry } from '../telemetry/counters.js';
import { createLogger } from '../telemetry/logger.js';

/** A failed export is not retried: the batch is dropped at once. */
export const noRetry: RetrySettings = {
  enabled: false,
  initialIntervalMs: 1,
  maxIntervalMs: 1,
  multiplier: 1,
  randomizationFactor: 0,
  maxElapsedMs: 0,
};

export function testContext(id: string, counters = new CounterRegistry()): ComponentContext {
  return {
    id,
    logger: createLogger('test'),
    counters,
    origin: () => ({ file: 'test.yaml', line: 1, column: 1 }),
    baseDir: process.cwd(),
  };
}

/** Hands prepared raw batches on one after the other, as a receiver would, recording deliveries. */
export class ScriptedReceiver implements Receiver {
  readonly results: DeliveryResult[] = [];
  handedOn = 0;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly batches: readonly Buffer[]) {}

  async start(consume: BatchConsumer): Promise<void> {
    this.done = (async () => {
      for (const raw of this.batches) {
        await consume({ events: [], raw, delivery: new Delivery((r) => this.results.push(r)) });
        this.handedOn++;
      }
    })();
  }

  async shutdown(): Promise<void> {
    await this.done;
  }
}

/** Records what it was given; each export can be delayed or made to fail. */
export class RecordingExporter implements Exporter {
  readonly received: Event[] = [];
  calls = 0;
  inProgress = 0;
  maxInProgress = 0;

  constructor(private readonly behaviour: (call: number) => Promise<void> = async () => undefined) {}

  async export(events: readonly Event[]): Promise<void> {
    const call = ++this.calls;
    this.inProgress++;
    this.maxInProgress = Math.max(this.maxInProgress, this.inProgress);
    try {
      await this.behaviour(call);
      this.received.push(...events);
    } finally {
      this.inProgress--;
    }
  }

  async shutdown(): Promise<void> {}
}
