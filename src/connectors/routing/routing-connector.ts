// `routing`: the OpenTelemetry Collector's routing connector for events. It ends one
// pipeline and feeds others: each event goes to the pipelines of the first route whose
// condition it matches (all matching routes with match_once: false), else to
// default_pipelines; an event with nowhere to go is counted as unrouted.
import { z } from 'zod';
import type { Event } from '../../events/model.js';
import type { ComponentContext, Connector, ConnectorFactory } from '../../pipeline/component.js';
import type { Counter } from '../../telemetry/counters.js';
import { compileConditions } from '../../processors/filter/conditions.js';
import type { Condition } from '../../processors/filter/operators.js';

const settings = z
  .object({
    table: z
      .array(
        z
          .object({
            /** A condition in the filter language, e.g. `kind == "process.exec" and process.uid == 0`. */
            condition: z.string(),
            pipelines: z.array(z.string()).min(1),
          })
          .strict(),
      )
      .min(1),
    default_pipelines: z.array(z.string()).default([]),
    /** Stop at the first matching route (default), or send to every matching route. */
    match_once: z.boolean().default(true),
  })
  .strict();

type RoutingSettings = z.output<typeof settings>;

interface Route {
  condition: Condition;
  pipelines: readonly string[];
}

export class RoutingConnector implements Connector {
  readonly targets: readonly string[];
  private readonly routes: readonly Route[];
  private readonly unrouted: Counter;

  constructor(
    private readonly s: RoutingSettings,
    ctx: ComponentContext,
  ) {
    const conditions = s.table.map((r, i) => compileConditions([r.condition], ctx, ['table', i, 'condition'])[0]!);
    this.routes = s.table.map((r, i) => ({ condition: conditions[i]!, pipelines: r.pipelines }));
    this.targets = [...new Set([...s.table.flatMap((r) => r.pipelines), ...s.default_pipelines])];
    this.unrouted = ctx.counters.counter('connector_unrouted_events_total', { connector: ctx.id });
  }

  route(events: readonly Event[]): ReadonlyMap<string, Event[]> {
    const out = new Map<string, Event[]>();
    let copies = 0;
    // Target pipelines may mutate events (redact): the second and later targets get copies.
    const send = (pipelines: readonly string[], e: Event) => {
      for (const p of pipelines) {
        const event = copies++ === 0 ? e : structuredClone(e);
        const list = out.get(p);
        if (list) list.push(event);
        else out.set(p, [event]);
      }
    };
    for (const e of events) {
      copies = 0;
      let matched = false;
      for (const r of this.routes) {
        if (!r.condition(e)) continue;
        send(r.pipelines, e);
        matched = true;
        if (this.s.match_once) break;
      }
      if (!matched) {
        if (this.s.default_pipelines.length > 0) send(this.s.default_pipelines, e);
        else this.unrouted.add();
      }
    }
    return out;
  }
}

export const routingConnector: ConnectorFactory<typeof settings> = {
  kind: 'connector',
  type: 'routing',
  description:
    'sends each event to the pipelines of the first route whose condition it matches, else to default_pipelines',
  settings,
  create: (s, ctx) => new RoutingConnector(s, ctx),
};
