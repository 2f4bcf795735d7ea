// Runs the component graph: receivers feed pipelines; a pipeline runs its processors
// synchronously on each batch, then hands the batch to its exporters' queues and its
// connectors (which feed other pipelines). Start and shutdown go in dependency order so
// that shutdown drains everything that was accepted.
import type { Counter, CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import type { EventBatch } from './batch.js';
import type { BatchConsumer, Connector, Processor, Receiver } from './component.js';
import type { QueuedExporter } from './queued-exporter.js';
import { EbpipeError } from '../common/errors.js';

export interface PipelineSpec {
  receivers: readonly string[];
  processors: readonly string[];
  /** Exporter and connector ids. */
  exporters: readonly string[];
}

export interface RuntimeParts {
  receivers: ReadonlyMap<string, Receiver>;
  processors: ReadonlyMap<string, Processor>;
  exporters: ReadonlyMap<string, QueuedExporter>;
  connectors: ReadonlyMap<string, Connector>;
  pipelines: ReadonlyMap<string, PipelineSpec>;
}

export class PipelineError extends EbpipeError {
  override readonly name = 'PipelineError';
  constructor(message: string) {
    super('PIPELINE_INVALID', 'configuring', message);
  }
}

function need<T>(map: ReadonlyMap<string, T>, id: string, what: string): T {
  const value = map.get(id);
  if (value === undefined) throw new PipelineError(`${what} ${id} is not defined`);
  return value;
}

export class PipelineRuntime {
  private readonly pipelineEntry = new Map<string, BatchConsumer>();
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly parts: RuntimeParts,
    private readonly counters: CounterRegistry,
    private readonly logger: Logger,
  ) {
    for (const id of parts.pipelines.keys()) this.pipelineEntry.set(id, this.buildPipeline(id));
  }

  private buildPipeline(id: string): BatchConsumer {
    const spec = need(this.parts.pipelines, id, 'pipeline');
    const processors = spec.processors.map((p) => ({
      id: p,
      processor: need(this.parts.processors, p, 'processor'),
      received: this.counters.counter('processor_received_events_total', { pipeline: id, processor: p }),
      errors: this.counters.counter('processor_errors_total', { pipeline: id, processor: p }),
    }));
    const exporters = spec.exporters
      .filter((e) => this.parts.exporters.has(e))
      .map((e) => need(this.parts.exporters, e, 'exporter'));
    const connectors = spec.exporters
      .filter((e) => this.parts.connectors.has(e))
      .map((c) => need(this.parts.connectors, c, 'connector'));
    if (exporters.length + connectors.length !== spec.exporters.length) {
      const unknown = spec.exporters.filter((e) => !this.parts.exporters.has(e) && !this.parts.connectors.has(e));
      throw new PipelineError(`pipeline ${id}: exporter ${unknown.join(', ')} is not defined`);
    }
    const filtered = this.counters.counter('pipeline_filtered_events_total', { pipeline: id });

    return async (input: EventBatch): Promise<void> => {
      let batch: EventBatch | null = input;
      for (const p of processors) {
        p.received.add(batch.events.length);
        try {
          batch = p.processor.process(batch);
        } catch (err) {
          // A processor bug must not stop the agent: the batch is dropped and counted.
          p.errors.add();
          this.counters
            .counter('pipeline_dropped_events_total', { pipeline: id, reason: `processor_error:${p.id}` })
            .add(input.events.length);
          this.logger.error(
            { pipeline: id, processor: p.id, err: (err as Error).message },
            'processor failed, batch dropped',
          );
          return;
        }
        if (!batch) return;
      }
      if (batch.events.length === 0) {
        filtered.add(input.events.length);
        return;
      }
      const handedOn: Promise<void>[] = exporters.map((e) => e.enqueue(batch.events, batch.delivery));
      for (const connector of connectors) {
        for (const [target, events] of connector.route(batch.events)) {
          handedOn.push(this.entry(target)({ events, delivery: batch.delivery }));
        }
      }
      await Promise.all(handedOn);
    };
  }

  private entry(pipeline: string): BatchConsumer {
    return need(this.pipelineEntry, pipeline, 'pipeline');
  }

  /** What a receiver calls: every pipeline it feeds gets the batch; then its hold is released. */
  private receiverConsumer(receiverId: string): BatchConsumer {
    const targets = [...this.parts.pipelines]
      .filter(([, spec]) => spec.receivers.includes(receiverId))
      .map(([id]) => this.entry(id));
    const accepted: Counter = this.counters.counter('receiver_accepted_events_total', { receiver: receiverId });
    return async (batch: EventBatch): Promise<void> => {
      accepted.add(batch.raw ? (batch.records ?? 0) : batch.events.length);
      try {
        // Pipelines may mutate events (enrich, redact): each one after the first gets its own copy.
        await Promise.all(
          targets.map((consume, i) =>
            consume(i === 0 ? batch : { ...batch, events: batch.events.map((e) => structuredClone(e)) }),
          ),
        );
      } finally {
        batch.delivery.seal();
      }
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const exporter of this.parts.exporters.values()) await exporter.start();
    for (const [id, receiver] of this.parts.receivers) await receiver.start(this.receiverConsumer(id));
    this.logger.info({ pipelines: [...this.parts.pipelines.keys()] }, 'pipelines started');
  }

  /** Receivers first (no new data, in-flight batches handed on), then exporters drain and flush. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.parts.receivers.values()].map((r) => r.shutdown()));
      await Promise.all([...this.parts.exporters.values()].map((e) => e.shutdown()));
      for (const p of this.parts.processors.values()) await p.shutdown?.();
      this.logger.info('pipelines stopped');
    })();
    return this.stopping;
  }
}
