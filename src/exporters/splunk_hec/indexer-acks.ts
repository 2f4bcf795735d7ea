// HEC's indexer acknowledgement, client side: every request sent on the exporter's channel got
// an ackId; they are asked about together (POST /services/collector/ack {"acks":[...]}) every
// query_interval until each is true, or its time is up. At most max_pending are awaited at once:
// a request beyond that waits for a slot before it is sent.
import type { ExportError } from '../../pipeline/component.js';
import type { AcknowledgementSettings } from './config.js';

/**
 * `acknowledged`: indexed. `timed_out`: not true within the bound. `superseded`: HEC handed the
 * same ackId out again (its channel state was lost, a restart), so this one can never be told apart.
 */
export type AckResult = 'acknowledged' | 'timed_out' | 'superseded';

/** Asks HEC about these ackIds: `{"1": true, "2": false}`. Rejects with an ExportError. */
export type AckQuery = (ackIds: readonly number[]) => Promise<Readonly<Record<string, boolean>>>;

interface Waiter {
  deadline: number;
  resolve(result: AckResult): void;
  reject(err: ExportError): void;
}

export class IndexerAcks {
  private readonly waiting = new Map<number, Waiter>();
  /** Slots taken by requests on their way (sent, no ackId yet). */
  private reserved = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  /**
   * A query that rejects with a permanent error fails every ack it asked about; any other
   * failure (network, 5xx) is the query's to report, and the acks are asked about again.
   */
  constructor(
    private readonly query: AckQuery,
    private readonly settings: AcknowledgementSettings,
  ) {}

  get pending(): number {
    return this.waiting.size;
  }

  /** Resolves once a request may be sent: fewer than max_pending acks are awaited or on their way. */
  async slot(): Promise<void> {
    while (this.waiting.size + this.reserved >= this.settings.max_pending) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.reserved++;
  }

  /** The request behind a slot got no ackId (it failed): the slot is free again. */
  release(): void {
    this.reserved--;
    this.wake();
  }

  /** The request behind a slot got `ackId`: resolves with what HEC came to say about it. */
  wait(ackId: number): Promise<AckResult> {
    this.reserved--;
    this.waiting.get(ackId)?.resolve('superseded');
    return new Promise<AckResult>((resolve, reject) => {
      const waiter: Waiter = {
        deadline: performance.now() + this.settings.timeout,
        resolve: (result) => {
          if (this.waiting.get(ackId) === waiter) this.waiting.delete(ackId);
          resolve(result);
          this.wake();
        },
        reject: (err) => {
          this.waiting.delete(ackId);
          reject(err);
          this.wake();
        },
      };
      this.waiting.set(ackId, waiter);
      this.timer ??= setTimeout(() => void this.poll(), this.settings.query_interval);
    });
  }

  private async poll(): Promise<void> {
    const asked = [...this.waiting];
    try {
      const acks = await this.query(asked.map(([id]) => id));
      for (const [id, waiter] of asked) if (acks[String(id)] === true) waiter.resolve('acknowledged');
    } catch (err) {
      const e = err as ExportError;
      if (e.permanent) for (const [, waiter] of asked) waiter.reject(e);
    }
    const now = performance.now();
    for (const [, waiter] of this.waiting) if (now >= waiter.deadline) waiter.resolve('timed_out');
    this.timer = this.waiting.size > 0 ? setTimeout(() => void this.poll(), this.settings.query_interval) : undefined;
  }

  private wake(): void {
    this.slotWaiters.shift()?.();
  }

  /** Stops asking; whoever still waits learns that its ack never came. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [, waiter] of this.waiting) waiter.resolve('timed_out');
  }
}
