// The contracts every component implements, and what the runtime gives them.
// Hot paths are synchronous per batch (processors); lifecycles are async.
import type { Resource } from '@opentelemetry/resources';
import type { z } from 'zod';
import { EbpipeError } from '../common/errors.js';
import type { Event } from '../events/model.js';
import type { CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import type { EventBatch } from './batch.js';

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'connector';

/** Where a component's settings came from, for error messages. */
export interface ConfigOrigin {
  file: string;
  line: number;
  column: number;
}

/** A setting that passed the schema but that the component cannot use (a bad regex, a missing key). */
export class ComponentSettingsError extends EbpipeError {
  override readonly name = 'ComponentSettingsError';
  constructor(
    readonly origin: ConfigOrigin,
    readonly path: string,
    reason: string,
  ) {
    super(
      'COMPONENT_SETTINGS_INVALID',
      'configuring',
      `${origin.file}:${origin.line}:${origin.column}: ${path}: ${reason}`,
    );
  }
}

export interface ComponentContext {
  /** `type` or `type/name`, as written in the pipeline file. */
  id: string;
  logger: Logger;
  counters: CounterRegistry;
  /** Where each key of this component's settings was written (key path -> position). */
  origin(path: readonly (string | number)[]): ConfigOrigin;
  /** Directory that relative paths in the settings are resolved against. */
  baseDir: string;
}

export interface ExporterContext extends ComponentContext {
  /** The agent's OpenTelemetry resource (exporters/otel/resource.ts): every record an exporter makes carries it. */
  resource: Resource;
}

/** Hands a batch on; resolves once every exporter queue downstream has accepted it. */
export type BatchConsumer = (batch: EventBatch) => Promise<void>;

export interface Receiver {
  start(consume: BatchConsumer): Promise<void>;
  /** Stops producing; resolves once every batch it produced has been handed on. */
  shutdown(): Promise<void>;
}

export interface Processor {
  /** Returns the batch to pass on (the same or a new one), or null to stop it here. */
  process(batch: EventBatch): EventBatch | null;
  shutdown?(): Promise<void>;
}

export interface ExportErrorOptions extends ErrorOptions {
  /** Retrying cannot help (the destination refused the batch itself): the batch is dropped, counted. */
  permanent: boolean;
  /** The destination's own advice (Retry-After, gRPC RetryInfo): no retry sooner than this. */
  retryAfterMs?: number;
}

/**
 * Thrown by exporters, with the destination's own code where it gives one: transient errors are
 * retried with backoff, permanent ones drop the batch.
 */
export class ExportError extends EbpipeError {
  override readonly name = 'ExportError';
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: ExportErrorOptions) {
    super(code, 'sending', message, 'cause' in options ? { cause: options.cause } : undefined);
    this.permanent = options.permanent;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The destination took the batch but refused some of its events (OTLP partial success, rows the engine would not take). */
export interface PartialExport {
  rejected: number;
  /** Counted as exporter_dropped_events_total{reason}. */
  reason: string;
}

export interface Exporter {
  start?(): Promise<void>;
  /**
   * Resolves once the destination has acknowledged the batch: every event delivered, or all but the
   * ones it says it rejected (those are dropped and counted, never retried).
   */
  export(events: readonly Event[]): Promise<PartialExport | void>;
  /** Flushes what it buffers and releases its resources; idempotent. */
  shutdown(): Promise<void>;
}

/** Ends one pipeline and starts others: returns, per target pipeline, the events it receives. */
export interface Connector {
  /** Ids of the pipelines this connector may feed (validated against service.pipelines). */
  readonly targets: readonly string[];
  route(events: readonly Event[]): ReadonlyMap<string, Event[]>;
}

interface FactoryBase<S extends z.ZodType> {
  type: string;
  /** One line for `ebpipe validate --help` and the docs. */
  description: string;
  settings: S;
}

export interface ReceiverFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  kind: 'receiver';
  create(settings: z.output<S>, ctx: ComponentContext): Receiver;
}
export interface ProcessorFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  kind: 'processor';
  create(settings: z.output<S>, ctx: ComponentContext): Processor;
}
export interface ExporterFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  kind: 'exporter';
  create(settings: z.output<S>, ctx: ExporterContext): Exporter;
}
export interface ConnectorFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  kind: 'connector';
  create(settings: z.output<S>, ctx: ComponentContext): Connector;
}

export type ComponentFactory = ReceiverFactory | ProcessorFactory | ExporterFactory | ConnectorFactory;

/** The component types a pipeline file may name, by kind (src/components/registry.ts lists them). */
export interface ComponentRegistry {
  get(kind: ComponentKind, type: string): ComponentFactory | undefined;
  types(kind: ComponentKind): string[];
}
