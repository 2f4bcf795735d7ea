// What flows along the pipeline graph: batches of events, each tied to the receiver's
// delivery so that it learns when every exporter has settled it.
import type { Event } from '../events/model.js';

/**
 * Counts the places a receiver's batch went (one per exporter queue it entered) and
 * reports once when all of them have settled. Receivers use it to ack their source:
 * the kernel ring's credit, a replay file's offset.
 */
export class Delivery {
  private pending = 1; // the receiver's own hold, released by seal()
  private exported = 0;
  private dropped = 0;
  private settled = false;

  constructor(private readonly onSettled: (result: DeliveryResult) => void) {}

  /** Another exporter (or a copy of the batch) now carries this delivery. */
  hold(): void {
    this.pending++;
  }

  /** One exporter is done with its copy: this many of its events were acknowledged, this many dropped. */
  settle(exported: number, dropped: number): void {
    this.exported += exported;
    this.dropped += dropped;
    this.release();
  }

  /** The receiver has handed the batch to every pipeline; only exporters hold it now. */
  seal(): void {
    this.release();
  }

  private release(): void {
    if (--this.pending > 0 || this.settled) return;
    this.settled = true;
    this.onSettled({ exported: this.exported, dropped: this.dropped });
  }
}

export interface DeliveryResult {
  /** Events (summed over exporters) that exporters acknowledged. */
  exported: number;
  /** Events (summed over exporters) that were dropped, each counted with its reason. */
  dropped: number;
}

export interface EventBatch {
  /** Decoded events; empty until the decode processor has run. */
  events: Event[];
  /** Raw ring records as the native reader framed them; dropped after decode. */
  raw?: Buffer;
  /** With raw: realtime - boottime of the host the records come from (see events/clock.ts). */
  clockOffsetNs?: bigint;
  /** With raw: how many records it frames. */
  records?: number;
  /** With raw: the boot of the host the records come from (events/clock.ts hostBootId). */
  bootId?: string;
  /** With raw: when the receiver read the batch, ns since the Unix epoch. */
  observedNs?: bigint;
  delivery: Delivery;
}
