// `replay`: a capture file (`ebpipe record`) played back as the kernel receiver would have
// delivered it: the recorded batches, raw, with the recording host's clock offset. The next
// batch is read only once the pipelines took the previous ones (a small window), so a slow
// exporter slows the file down; shutdown waits until every exporter settled what was sent.
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { CaptureReader, type TornTail } from '../../capture/capture-reader.js';
import type { CaptureHeader } from '../../capture/capture-format.js';
import { Delivery, type DeliveryResult } from '../../pipeline/batch.js';
import type { BatchConsumer, ComponentContext, Receiver, ReceiverFactory } from '../../pipeline/component.js';
import type { Counter } from '../../telemetry/counters.js';

const settings = z
  .object({
    /** The capture file; relative to the pipeline file's directory. Example: captures/login.ebcap */
    path: z.string().min(1),
    /** Records per second, paced per batch; 0 replays as fast as the pipelines take it. */
    rate: z.number().nonnegative().default(0),
    /** How many times the file is played; 0 repeats it until shutdown. */
    loop: z.number().int().nonnegative().default(1),
    /** Batches handed on and not yet taken by every pipeline; past it reading waits. */
    max_in_flight: z.number().int().positive().default(4),
  })
  .strict();

export type ReplaySettings = z.output<typeof settings>;

export interface ReplayStats {
  /** Batches and records handed on (every pipeline took them). */
  batches: number;
  records: number;
  /** Of those, the ones every exporter has settled (exported or dropped and counted). */
  settledBatches: number;
  settledRecords: number;
  /** Events summed over exporters, as the deliveries reported them. */
  exportedEvents: number;
  droppedEvents: number;
  /** Set when the file ends in a torn or corrupt tail (it is skipped on every pass). */
  tornTail?: TornTail;
  /** A read error that ended the replay early. */
  error?: Error;
}

export class ReplayReceiver implements Receiver {
  readonly stats: ReplayStats = {
    batches: 0,
    records: 0,
    settledBatches: 0,
    settledRecords: 0,
    exportedEvents: 0,
    droppedEvents: 0,
  };
  /** Resolves once the replay ended (file played, shutdown or read error) and every batch sent was settled. */
  readonly finished: Promise<ReplayStats>;
  private finish!: (stats: ReplayStats) => void;
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private unsettled = 0;
  private settledWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  private readonly counters: Record<'sentRecords' | 'sentBatches' | 'acknowledgedRecords' | 'tornBytes', Counter>;

  constructor(
    private readonly s: ReplaySettings,
    private readonly ctx: ComponentContext,
  ) {
    this.finished = new Promise((done) => (this.finish = done));
    const labels = { receiver: ctx.id };
    this.counters = {
      sentRecords: ctx.counters.counter('replay_sent_records_total', labels),
      sentBatches: ctx.counters.counter('replay_sent_batches_total', labels),
      acknowledgedRecords: ctx.counters.counter('replay_acknowledged_records_total', labels),
      tornBytes: ctx.counters.counter('replay_torn_tail_bytes_total', labels),
    };
  }

  /** Opens the capture (a missing file or a wrong ABI fails start-up), then plays it in the background. */
  async start(consume: BatchConsumer): Promise<void> {
    const reader = await CaptureReader.open(resolve(this.ctx.baseDir, this.s.path));
    const h = reader.header;
    this.ctx.logger.info(
      {
        receiver: this.ctx.id,
        path: reader.path,
        host: h.hostname,
        kernel: h.kernelRelease,
        created: new Date(Number(h.createdAtNs / 1_000_000n)).toISOString(),
      },
      'replaying capture',
    );
    this.running = this.play(reader, consume);
  }

  private async play(reader: CaptureReader, consume: BatchConsumer): Promise<void> {
    const started = performance.now();
    let paced = 0;
    try {
      for (let pass = 0; this.s.loop === 0 || pass < this.s.loop; pass++) {
        let passBatches = 0;
        for await (const batch of reader.batches()) {
          if (this.s.rate > 0) await this.sleepUntil(started + (paced / this.s.rate) * 1000);
          while (this.inFlight.size >= this.s.max_in_flight) await Promise.race(this.inFlight);
          if (this.stopping.signal.aborted) return;
          paced += batch.records;
          passBatches++;
          this.handOn(consume, batch.raw, batch.records, reader.header);
        }
        if (reader.tornTail) this.reportTornTail(reader.tornTail, pass);
        if (passBatches === 0) return; // an empty capture would loop forever
      }
    } catch (err) {
      this.stats.error = err as Error;
      this.ctx.logger.error({ receiver: this.ctx.id, err: (err as Error).message }, 'replay stopped by a read error');
    } finally {
      await Promise.all(this.inFlight);
      await this.allSettled();
      await reader.close();
      this.finish(this.stats);
    }
  }

  private handOn(consume: BatchConsumer, raw: Buffer, records: number, source: CaptureHeader): void {
    this.unsettled++;
    const delivery = new Delivery((result) => this.settled(records, result));
    const { clockOffsetNs, bootId } = source;
    const observedNs = BigInt(Date.now()) * 1_000_000n;
    const handedOn = consume({ events: [], raw, records, clockOffsetNs, bootId, observedNs, delivery })
      .then(
        () => {
          this.stats.batches++;
          this.stats.records += records;
          this.counters.sentBatches.add();
          this.counters.sentRecords.add(records);
        },
        (err: Error) => this.ctx.logger.error({ receiver: this.ctx.id, err: err.message }, 'batch not handed on'),
      )
      .finally(() => this.inFlight.delete(handedOn));
    this.inFlight.add(handedOn);
  }

  private settled(records: number, result: DeliveryResult): void {
    this.stats.settledBatches++;
    this.stats.settledRecords += records;
    this.stats.exportedEvents += result.exported;
    this.stats.droppedEvents += result.dropped;
    this.counters.acknowledgedRecords.add(records);
    if (--this.unsettled === 0) {
      for (const wake of this.settledWaiters) wake();
      this.settledWaiters = [];
    }
  }

  private allSettled(): Promise<void> {
    return this.unsettled === 0 ? Promise.resolve() : new Promise((wake) => this.settledWaiters.push(wake));
  }

  private reportTornTail(tail: TornTail, pass: number): void {
    this.counters.tornBytes.add(tail.bytes);
    if (pass > 0) return;
    this.stats.tornTail = tail;
    this.ctx.logger.warn({ receiver: this.ctx.id, ...tail }, 'capture ends in a torn tail; its bytes are skipped');
  }

  private async sleepUntil(due: number): Promise<void> {
    const wait = due - performance.now();
    if (wait > 0) await delay(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  /** Stops reading, then resolves once every batch handed on has been settled by every exporter. */
  async shutdown(): Promise<void> {
    this.stopping.abort();
    if (this.running) await this.finished;
  }
}

export const replayReceiver: ReceiverFactory<typeof settings> = {
  kind: 'receiver',
  type: 'replay',
  description: 'plays back a capture file of raw kernel records (ebpipe record), optionally paced and looped',
  settings,
  create: (s, ctx) => new ReplayReceiver(s, ctx),
};
