// The kernel's per-rule counters of every loaded policy, copied into the agent's counters
// (policy_rule_events_total{policy, rule, counter}) on each tick.
import type { Counter, CounterRegistry } from '../telemetry/counters.js';
import type { PolicyStatus } from './policy-set.js';

export class CounterMirror {
  private readonly mirrored = new Map<string, Counter>();

  constructor(private readonly registry: CounterRegistry) {}

  update(policies: readonly PolicyStatus[]): void {
    for (const p of policies) {
      p.hooks.forEach((h, rule) => {
        for (const [name, value] of Object.entries(h.counts)) {
          const key = `${p.name}\0${rule}\0${name}`;
          let counter = this.mirrored.get(key);
          if (!counter) {
            counter = this.registry.counter('policy_rule_events_total', {
              policy: p.name,
              rule: String(rule),
              counter: name,
            });
            this.mirrored.set(key, counter);
          }
          counter.set(value);
        }
      });
    }
  }
}
