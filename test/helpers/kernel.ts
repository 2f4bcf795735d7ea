// A kernel source for tests: decodes every batch and lets a test wait for events.
import { setTimeout as delay } from 'node:timers/promises';
import { RecordDecoder } from '../../src/events/decode.js';
import type { Event } from '../../src/events/model.js';
import type { ExecEvent, ExitEvent } from '../../src/events/process-events.js';
import { KernelSource, type KernelSourceOptions } from '../../src/kernel/kernel-source.js';
import { createLogger } from '../../src/telemetry/logger.js';

export class CollectingKernel {
  readonly events: Event[] = [];
  readonly decoder = new RecordDecoder();
  readonly source: KernelSource;

  constructor(overrides: Partial<Omit<KernelSourceOptions, 'onBatch'>> = {}) {
    this.source = KernelSource.open({
      sensors: ['process'],
      ringBytes: 8 << 20,
      reader: { batchBytes: 64 << 10, latencyMs: 2, maxInFlight: 4 },
      logger: createLogger('test'),
      ...overrides,
      onBatch: (batch, _records, release) => {
        this.decoder.decodeBatch(batch, this.events);
        release();
      },
    });
  }

  /** Resolves with the first event (seen so far or arriving) that matches, or throws after timeoutMs. */
  async waitFor<E extends Event>(match: (e: Event) => e is E, timeoutMs?: number): Promise<E>;
  async waitFor(match: (e: Event) => boolean, timeoutMs?: number): Promise<Event>;
  async waitFor(match: (e: Event) => boolean, timeoutMs = 5000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching event within ${timeoutMs} ms (${this.events.length} seen)`);
      await delay(5);
    }
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/** Matchers for waitFor(). */
export const isExecOf =
  (argv: readonly string[]) =>
  (e: Event): e is ExecEvent =>
    e.kind === 'process.exec' && e.argv.length === argv.length && e.argv.every((a, i) => a === argv[i]);

export const isExit =
  (pid: number) =>
  (e: Event): e is ExitEvent =>
    e.kind === 'process.exit' && e.process.pid === pid;
