// A kernel source whose events go through the process enricher, in arrival order, as the
// pipeline's enrich stage sends them: the enricher is seeded from /proc right after the
// sensors attach, and events are enriched when a test looks for one.
import { setTimeout as delay } from 'node:timers/promises';
import type { Event } from '../../src/events/model.js';
import { ProcessEnricher, type ProcessEnricherOptions } from '../../src/processors/enrich/process-enricher.js';
import { CollectingKernel } from './kernel.js';

export class EnrichingKernel {
  readonly kernel = new CollectingKernel();
  readonly enricher: ProcessEnricher;
  private enriched = 0;

  constructor(options: ProcessEnricherOptions = {}) {
    this.enricher = new ProcessEnricher(options);
    this.enricher.seedFromProc();
  }

  /** Enriches every event collected so far that is not enriched yet. */
  catchUp(): void {
    const events = this.kernel.events;
    this.enricher.enrichBatch(events.slice(this.enriched));
    this.enriched = events.length;
  }

  /** The first enriched event that matches, or throws after timeoutMs. */
  async waitFor<E extends Event>(match: (e: Event) => e is E, timeoutMs?: number): Promise<E>;
  async waitFor(match: (e: Event) => boolean, timeoutMs?: number): Promise<Event>;
  async waitFor(match: (e: Event) => boolean, timeoutMs = 5000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.catchUp();
      const found = this.kernel.events.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching event within ${timeoutMs} ms (${this.kernel.events.length} seen)`);
      await delay(5);
    }
  }

  close(): Promise<void> {
    return this.kernel.close();
  }
}
