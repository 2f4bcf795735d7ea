// Takes the kernel's aggregation counts out of its map, epoch by epoch, and hands on the
// summaries that are due: as policy.summary events, and as counters (one series per policy
// selector and key). New counts go to the other epoch from the flip on; the epoch left is
// drained after a grace for evaluations that read it just before the flip.
import { userSpaceOrigin } from '../events/clock.js';
import type { Event } from '../events/model.js';
import type { CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import { AggregationCollector, type AggregateSelector } from './aggregation.js';
import type { PolicyMaps } from './policy-maps.js';

/** Grace for evaluations that read the aggregation epoch just before it flipped. */
const EPOCH_GRACE_MS = 20;

export interface AggregationDrainOptions {
  maps: PolicyMaps;
  /** The selector a count belongs to, for any policy id given out. */
  selectorOf(policyId: number, ruleIndex: number, selector: number): AggregateSelector | undefined;
  /** The Prefix value of a kernel prefix id. */
  prefixOf(prefixId: number): string | undefined;
  logger: Logger;
  emit(events: Event[]): void;
  clockOffsetNs: bigint;
  counters?: CounterRegistry;
}

export class AggregationDrain {
  private readonly collector: AggregationCollector;
  private closed = false;

  constructor(private readonly options: AggregationDrainOptions) {
    this.collector = new AggregationCollector(
      (id, rule, selector) => options.selectorOf(id, rule, selector),
      (id) => options.prefixOf(id),
    );
  }

  /** Flips the epoch and drains the one it left once the grace has passed. */
  tick(): void {
    const epoch = this.options.maps.flipAggregateEpoch();
    setTimeout(() => {
      if (this.closed) return;
      try {
        this.drain(epoch, false);
      } catch (err) {
        // The counts stay in the kernel's map; the next drain of this epoch takes them.
        this.options.logger.error({ err: (err as Error).message }, 'draining policy aggregation counts failed');
      }
    }, EPOCH_GRACE_MS).unref();
  }

  /** Hands on everything aggregation holds, whether due or not; later ticks' drains do nothing. */
  close(): void {
    if (this.closed) return;
    const maps = this.options.maps;
    this.drain(maps.flipAggregateEpoch(), true);
    this.drain(maps.flipAggregateEpoch(), true);
    this.closed = true;
  }

  private drain(epoch: number, all: boolean): void {
    const now = Date.now();
    this.collector.add(this.options.maps.drainAggregates(epoch), now);
    const summaries = this.collector.take(now, () => userSpaceOrigin(this.options.clockOffsetNs), all);
    if (summaries.length === 0) return;
    for (const s of summaries) {
      const key = Object.fromEntries(
        Object.entries(s.key).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), String(v)]),
      );
      const labels = { policy: s.policy, rule: String(s.ruleIndex), selector: String(s.selector), ...key };
      this.options.counters?.counter('policy_aggregated_events_total', labels).add(s.count);
    }
    this.options.emit(summaries);
  }
}
