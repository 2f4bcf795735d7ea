// `decode`: raw ring records -> typed events. Unknown and truncated records are counted
// (decode_skipped_records_total{reason}) and skipped.
import { z } from 'zod';
import { RecordDecoder, type DecodeStats } from '../../events/decode.js';
import type { EventBatch } from '../../pipeline/batch.js';
import type { ComponentContext, Processor, ProcessorFactory } from '../../pipeline/component.js';
import type { Counter } from '../../telemetry/counters.js';

const settings = z.object({}).strict();

type SkipReason = Exclude<keyof DecodeStats, 'decoded'>;
const SKIP_REASONS: readonly SkipReason[] = ['unknownOp', 'truncated', 'badFraming'];

export class DecodeProcessor implements Processor {
  private readonly decoder = new RecordDecoder();
  private readonly reported: Record<SkipReason, number> = { unknownOp: 0, truncated: 0, badFraming: 0 };
  private readonly skipped: Record<SkipReason, Counter>;

  constructor(ctx: ComponentContext) {
    this.skipped = {
      unknownOp: ctx.counters.counter('decode_skipped_records_total', { processor: ctx.id, reason: 'unknown_op' }),
      truncated: ctx.counters.counter('decode_skipped_records_total', { processor: ctx.id, reason: 'truncated' }),
      badFraming: ctx.counters.counter('decode_skipped_records_total', { processor: ctx.id, reason: 'bad_framing' }),
    };
  }

  process(batch: EventBatch): EventBatch {
    if (!batch.raw) return batch;
    this.decoder.clockOffsetNs = batch.clockOffsetNs ?? 0n;
    this.decoder.bootId = batch.bootId;
    this.decoder.observedNs = batch.observedNs;
    this.decoder.decodeBatch(batch.raw, batch.events);
    delete batch.raw;
    for (const reason of SKIP_REASONS) {
      const now = this.decoder.stats[reason];
      if (now !== this.reported[reason]) {
        this.skipped[reason].add(now - this.reported[reason]);
        this.reported[reason] = now;
      }
    }
    return batch;
  }
}

export const decodeProcessor: ProcessorFactory<typeof settings> = {
  kind: 'processor',
  type: 'decode',
  description: 'turns raw kernel ring records into typed events; unknown or truncated records are counted and skipped',
  settings,
  create: (_settings, ctx) => new DecodeProcessor(ctx),
};
