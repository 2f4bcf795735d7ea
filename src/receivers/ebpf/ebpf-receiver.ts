// `ebpf`: the kernel sensors. Each ring batch is handed on raw (the decode processor
// decodes it); its ring credit is returned once every exporter queue has accepted it, so a
// slow exporter slows the reader and, past the ring's size, the kernel counts its drops.
import { resolve } from 'node:path';
import { z } from 'zod';
import { byteSize, duration } from '../../common/units.js';
import { KernelSource } from '../../kernel/kernel-source.js';
import { SENSOR_NAMES } from '../../kernel/sensors.js';
import { loadNativeAddon } from '../../kernel/native.js';
import { hostBootId } from '../../events/clock.js';
import type { Event } from '../../events/model.js';
import { Delivery } from '../../pipeline/batch.js';
import type { BatchConsumer, ComponentContext, Receiver, ReceiverFactory } from '../../pipeline/component.js';
import { DEFAULT_POLICY_SOCKET } from '../../policy/control-protocol.js';
import { PolicyService } from '../../policy/policy-service.js';

const settings = z
  .object({
    /** Sensors to load; a sensor not listed attaches nothing. One the kernel cannot host is logged and skipped. */
    sensors: z
      .array(z.enum(SENSOR_NAMES as unknown as [string, ...string[]]))
      .min(1)
      .default(['process']),
    ring_buffer: z
      .object({
        /** Kernel ring size: a power of two, at least 4KiB. */
        size: byteSize({ min: '4KiB', max: '1GiB' })
          .refine((n) => (n & (n - 1)) === 0, { message: 'expected a power of two such as 8MiB' })
          .default(8 << 20),
        /** A batch closes at this many bytes... */
        batch_size: byteSize({ min: '4KiB', max: '16MiB' }).default(256 << 10),
        /** ...or when its first record is this old. */
        batch_timeout: duration({ min: '1ms', max: '10s' }).default(5),
        /** Batches in the pipeline at once; past it the reader stops and the ring absorbs bursts. */
        max_in_flight: z.number().int().positive().default(8),
      })
      .strict()
      .default({ size: 8 << 20, batch_size: 256 << 10, batch_timeout: 5, max_in_flight: 8 }),
    /**
     * TracingPolicy-style policies enforced in the kernel (config/policies/README.md); needs the
     * `policy` sensor. Policies come from `directory` (followed as files change) and from
     * `ebpipe policy add` over `socket`.
     */
    policies: z
      .object({
        directory: z.string().optional(),
        socket: z.string().default(DEFAULT_POLICY_SOCKET),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => !s.policies || s.sensors.includes('policy'), {
    message: 'policies are enforced by the policy sensor: add policy to sensors',
    path: ['policies'],
  });

type EbpfSettings = z.output<typeof settings>;

/** How often the kernel's drop counters and the reader's figures are copied into the agent's counters. */
const KERNEL_STATS_INTERVAL_MS = 5000;

export class EbpfReceiver implements Receiver {
  private source: KernelSource | undefined;
  private policies: PolicyService | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private statsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly s: EbpfSettings,
    private readonly ctx: ComponentContext,
  ) {}

  async start(consume: BatchConsumer): Promise<void> {
    const clockOffsetNs = loadNativeAddon().bootToRealtimeOffsetNs();
    const bootId = hostBootId();
    const ring = this.s.ring_buffer;
    this.source = KernelSource.open({
      sensors: this.s.sensors,
      ringBytes: ring.size,
      reader: { batchBytes: ring.batch_size, latencyMs: ring.batch_timeout, maxInFlight: ring.max_in_flight },
      logger: this.ctx.logger,
      onBatch: (raw, records, release) => {
        const observedNs = BigInt(Date.now()) * 1_000_000n;
        const handedOn = consume({
          events: [],
          raw,
          records,
          clockOffsetNs,
          bootId,
          observedNs,
          delivery: new Delivery(() => undefined),
        })
          .catch((err: Error) =>
            this.ctx.logger.error({ receiver: this.ctx.id, err: err.message }, 'batch not handed on'),
          )
          .finally(() => {
            release();
            this.inFlight.delete(handedOn);
          });
        this.inFlight.add(handedOn);
      },
    });
    this.statsTimer = setInterval(() => this.copyKernelStats(), KERNEL_STATS_INTERVAL_MS).unref();
    if (this.s.policies) {
      const { directory, socket } = this.s.policies;
      // Audit and summary events are made in user space: they enter the pipeline decoded.
      const emit = (events: Event[]) => {
        const observedNs = BigInt(Date.now()) * 1_000_000n;
        for (const e of events) {
          e.origin.bootId = bootId;
          e.origin.observedNs = observedNs;
        }
        const handedOn = consume({ events, delivery: new Delivery(() => undefined) })
          .catch((err: Error) =>
            this.ctx.logger.error({ receiver: this.ctx.id, err: err.message }, 'policy events not handed on'),
          )
          .finally(() => this.inFlight.delete(handedOn));
        this.inFlight.add(handedOn);
      };
      try {
        this.policies = await PolicyService.start(
          this.source,
          { socket, ...(directory !== undefined && { directory: resolve(this.ctx.baseDir, directory) }) },
          { logger: this.ctx.logger, counters: this.ctx.counters, emit },
        );
      } catch (err) {
        clearInterval(this.statsTimer);
        await this.source.close();
        this.source = undefined;
        throw err;
      }
    }
  }

  /** Kernel drops per reason, op and CPU, and the reader's totals, as agent counters. */
  private copyKernelStats(): void {
    if (!this.source) return;
    const counters = this.ctx.counters;
    for (const drop of this.source.drops()) {
      drop.perCpu.forEach((count, cpu) => {
        if (count === 0) return;
        const labels = {
          receiver: this.ctx.id,
          reason: drop.reason.toLowerCase(),
          op: String(drop.op),
          cpu: String(cpu),
        };
        counters.counter('kernel_dropped_records_total', labels).set(count);
      });
    }
    const reader = this.source.readerStats();
    if (reader) {
      counters.counter('ring_read_records_total', { receiver: this.ctx.id }).set(reader.records);
      counters.counter('ring_read_batches_total', { receiver: this.ctx.id }).set(reader.batches);
      counters.counter('ring_reader_waits_total', { receiver: this.ctx.id }).set(reader.creditWaits);
      counters.counter('ring_discarded_at_stop_records_total', { receiver: this.ctx.id }).set(reader.discardedAtStop);
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.statsTimer);
    await this.policies?.close();
    await this.source?.close();
    await Promise.all(this.inFlight);
    this.copyKernelStats();
  }
}

export const ebpfReceiver: ReceiverFactory<typeof settings> = {
  kind: 'receiver',
  type: 'ebpf',
  description:
    "this host's kernel sensors (process, file, network, credentials, modules), read through one ring buffer",
  settings,
  create: (s, ctx) => new EbpfReceiver(s, ctx),
};
