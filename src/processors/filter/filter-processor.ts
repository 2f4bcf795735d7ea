// `filter`: keeps or drops events by conditions written in the condition language
// (src/processors/filter/README.md). An event is kept when it matches one of `keep`
// (if given) and none of `drop`; dropped events are counted, not lost silently.
import { z } from 'zod';
import type { Event } from '../../events/model.js';
import type { EventBatch } from '../../pipeline/batch.js';
import type { ComponentContext, Processor, ProcessorFactory } from '../../pipeline/component.js';
import type { Counter } from '../../telemetry/counters.js';
import { compileConditions } from './conditions.js';
import type { Condition } from './operators.js';

const settings = z
  .object({
    /** Keep only events matching at least one of these. */
    keep: z.array(z.string()).optional(),
    /** Drop events matching any of these (checked after keep). */
    drop: z.array(z.string()).optional(),
  })
  .strict()
  .refine((s) => (s.keep?.length ?? 0) + (s.drop?.length ?? 0) > 0, {
    message: 'give at least one keep or drop condition',
  });

type FilterSettings = z.output<typeof settings>;

export class FilterProcessor implements Processor {
  private readonly keep: readonly Condition[] | undefined;
  private readonly drop: readonly Condition[];
  private readonly dropped: Counter;

  constructor(s: FilterSettings, ctx: ComponentContext) {
    this.keep = s.keep ? compileConditions(s.keep, ctx, ['keep']) : undefined;
    this.drop = compileConditions(s.drop ?? [], ctx, ['drop']);
    this.dropped = ctx.counters.counter('processor_filtered_events_total', { processor: ctx.id });
  }

  private passes(e: Event): boolean {
    if (this.keep && !this.keep.some((c) => c(e))) return false;
    return !this.drop.some((c) => c(e));
  }

  process(batch: EventBatch): EventBatch {
    const kept = batch.events.filter((e) => this.passes(e));
    this.dropped.add(batch.events.length - kept.length);
    batch.events = kept;
    return batch;
  }
}

export const filterProcessor: ProcessorFactory<typeof settings> = {
  kind: 'processor',
  type: 'filter',
  description: 'keeps or drops events by conditions on their fields',
  settings,
  create: (s, ctx) => new FilterProcessor(s, ctx),
};
