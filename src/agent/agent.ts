// Builds a running agent from a validated pipeline file: one component per definition,
// exporters behind their queues, the graph started in dependency order, the Prometheus
// endpoint if asked for; and stops it so that everything accepted is flushed.
import type { ComponentConfig, PipelineConfig } from '../config/pipeline-config.js';
import type { ComponentContext, ComponentFactory, Connector, Processor, Receiver } from '../pipeline/component.js';
import { agentResource } from '../exporters/otel/resource.js';
import { ComponentSettingsError } from '../pipeline/component.js';
import { exporterQueueSettings, type ExporterHelperSettings } from '../pipeline/exporter-settings.js';
import { QueuedExporter } from '../pipeline/queued-exporter.js';
import { PipelineRuntime } from '../pipeline/runtime.js';
import { CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import { MetricsEndpoint } from '../telemetry/prometheus.js';

export interface AgentParts {
  receivers: Map<string, Receiver>;
  processors: Map<string, Processor>;
  exporters: Map<string, QueuedExporter>;
  connectors: Map<string, Connector>;
}

function context(
  config: PipelineConfig,
  component: ComponentConfig,
  counters: CounterRegistry,
  logger: Logger,
): ComponentContext {
  return {
    id: component.id,
    logger: logger.child({ component: component.id }),
    counters,
    origin: (path) => component.origin(path),
    baseDir: config.baseDir,
  };
}

function createAll<F extends ComponentFactory, T>(
  components: Map<string, ComponentConfig<F>>,
  make: (c: ComponentConfig<F>) => T,
): Map<string, T> {
  return new Map([...components].map(([id, c]) => [id, make(c)]));
}

/** A routing target that is not a pipeline is a configuration error, named where it was written. */
function checkConnectorTargets(config: PipelineConfig, connectors: Map<string, Connector>): void {
  for (const [id, connector] of connectors) {
    for (const target of connector.targets) {
      if (config.pipelines.has(target)) continue;
      const component = config.connectors.get(id);
      const origin = component?.origin([]) ?? { file: config.file, line: 0, column: 0 };
      throw new ComponentSettingsError(
        origin,
        `connectors.${id}`,
        `routes to pipeline "${target}", which is not defined under service.pipelines`,
      );
    }
  }
}

export class Agent {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly counters: CounterRegistry,
    readonly parts: AgentParts,
    private readonly runtime: PipelineRuntime,
    private readonly metrics: MetricsEndpoint | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Creates every component (settings errors name file:line:col), then starts the graph.
   * `extraReceivers` are built by the caller (a replay given on the command line) with the
   * agent's counters.
   */
  static async start(
    config: PipelineConfig,
    logger: Logger,
    options: { counters?: CounterRegistry; extraReceivers?: ReadonlyMap<string, Receiver> } = {},
  ): Promise<Agent> {
    const counters = options.counters ?? new CounterRegistry();
    const ctx = (c: ComponentConfig) => context(config, c, counters, logger);
    const resource = agentResource(config.telemetry.resource);
    const parts: AgentParts = {
      receivers: createAll(config.receivers, (c) => c.factory.create(c.settings, ctx(c))),
      processors: createAll(config.processors, (c) => c.factory.create(c.settings, ctx(c))),
      exporters: createAll(config.exporters, (c) => {
        const settings = c.settings as ExporterHelperSettings;
        const exporter = c.factory.create(c.settings, { ...ctx(c), resource });
        return new QueuedExporter(
          c.id,
          exporter,
          exporterQueueSettings(settings),
          counters,
          logger.child({ component: c.id }),
        );
      }),
      connectors: createAll(config.connectors, (c) => c.factory.create(c.settings, ctx(c))),
    };
    for (const [id, receiver] of options.extraReceivers ?? []) parts.receivers.set(id, receiver);
    checkConnectorTargets(config, parts.connectors);
    const runtime = new PipelineRuntime({ ...parts, pipelines: config.pipelines }, counters, logger);
    const address = config.telemetry.metrics?.address;
    const metrics = address ? await MetricsEndpoint.listen(address, counters) : undefined;
    const agent = new Agent(counters, parts, runtime, metrics, logger);
    try {
      await runtime.start();
    } catch (err) {
      await agent.stop();
      throw err;
    }
    if (metrics) logger.info({ address: `${address}/metrics` }, 'serving metrics');
    return agent;
  }

  /** Receivers stop, queues drain into their exporters, exporters flush. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.runtime.shutdown();
      await this.metrics?.close();
      const totals = Object.fromEntries(
        [
          'receiver_accepted_events_total',
          'exporter_sent_events_total',
          'exporter_dropped_events_total',
          'kernel_dropped_records_total',
        ].map((name) => [name, this.counters.total(name)]),
      );
      this.logger.info(totals, 'agent stopped');
    })();
    return this.stopping;
  }
}
