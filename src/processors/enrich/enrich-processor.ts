// `enrich`: process identity on every event (exec id, parent exec id, ancestry, binary,
// argv, cwd, user, container, pod) from the process cache, seeded from /proc when the agent
// starts. Kubernetes metadata is off unless `kubernetes` is set.
import { z } from 'zod';
import { duration } from '../../common/units.js';
import { inClusterApi } from '../../containers/kubernetes/kube-api.js';
import { KubernetesPods } from '../../containers/kubernetes/kubernetes-pods.js';
import type { EventBatch } from '../../pipeline/batch.js';
import {
  ComponentSettingsError,
  type ComponentContext,
  type Processor,
  type ProcessorFactory,
} from '../../pipeline/component.js';
import type { Counter } from '../../telemetry/counters.js';
import { ProcessEnricher } from './process-enricher.js';

const settings = z
  .object({
    /** Processes kept, live and exited; the oldest exited go first. */
    max_processes: z.number().int().min(1024).default(32_768),
    /** How long an exited process stays known (records from other CPUs arrive late). */
    exit_grace: duration({ min: '0s', max: '10m' }).default(10_000),
    /** Ancestors listed on each event, nearest first. */
    ancestry_depth: z.number().int().min(0).max(64).default(8),
    /** Pod name, namespace, labels and workload from the Kubernetes API. */
    kubernetes: z
      .object({
        /** API server URL; in a pod, the in-cluster address and service account are used when absent. */
        api_server: z.string().url().optional(),
        token_file: z.string().optional(),
        ca_file: z.string().optional(),
        /** Only this node's pods, e.g. ${env:NODE_NAME}. */
        node_name: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

type EnrichSettings = z.output<typeof settings>;

function podSource(s: EnrichSettings, ctx: ComponentContext): KubernetesPods | undefined {
  const k = s.kubernetes;
  if (!k) return undefined;
  const api = k.api_server ? { server: k.api_server } : inClusterApi();
  if (!api) {
    throw new ComponentSettingsError(
      ctx.origin(['kubernetes']),
      `processors.${ctx.id}.kubernetes.api_server`,
      'not running in a pod (no KUBERNETES_SERVICE_HOST): give api_server',
    );
  }
  return new KubernetesPods({
    ...api,
    ...(k.token_file !== undefined && { tokenFile: k.token_file }),
    ...(k.ca_file !== undefined && { caFile: k.ca_file }),
    ...(k.node_name !== undefined && { nodeName: k.node_name }),
    logger: ctx.logger,
  });
}

export class EnrichProcessor implements Processor {
  private readonly enricher: ProcessEnricher;
  private readonly pods: KubernetesPods | undefined;
  private readonly counters: Record<'entries' | 'misses' | 'procFallbacks' | 'evicted', Counter>;

  constructor(s: EnrichSettings, ctx: ComponentContext) {
    this.pods = podSource(s, ctx);
    this.enricher = new ProcessEnricher({
      maxEntries: s.max_processes,
      exitGraceMs: s.exit_grace,
      ancestryDepth: s.ancestry_depth,
      ...(this.pods && { pods: this.pods }),
    });
    this.enricher.seedFromProc();
    this.pods?.start();
    const c = (name: string) => ctx.counters.counter(name, { processor: ctx.id });
    this.counters = {
      entries: c('process_cache_entries'),
      misses: c('process_cache_misses_total'),
      procFallbacks: c('process_cache_proc_reads_total'),
      evicted: c('process_cache_evictions_total'),
    };
    ctx.logger.info({ seeded: this.enricher.stats().seeded }, 'process cache seeded from /proc');
  }

  process(batch: EventBatch): EventBatch {
    this.enricher.enrichBatch(batch.events);
    const stats = this.enricher.stats();
    this.counters.entries.set(stats.entries);
    this.counters.misses.set(stats.misses);
    this.counters.procFallbacks.set(stats.procFallbacks);
    this.counters.evicted.set(stats.evictedLive + stats.evictedExited);
    return batch;
  }

  async shutdown(): Promise<void> {
    await this.pods?.close();
  }
}

export const enrichProcessor: ProcessorFactory<typeof settings> = {
  kind: 'processor',
  type: 'enrich',
  description: 'adds process identity, ancestry, user, container and (optionally) Kubernetes pod to every event',
  settings,
  create: (s, ctx) => new EnrichProcessor(s, ctx),
};
