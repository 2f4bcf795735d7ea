// `ebpipe observe`: the live view of process events on this host, straight from the
// kernel sensors, without a pipeline file; secrets are redacted as the default pipeline does.
import { RecordDecoder } from '../events/decode.js';
import { toJsonLine } from '../events/json.js';
import type { Event } from '../events/model.js';
import { formatCompact } from '../exporters/console/compact.js';
import { KernelSource } from '../kernel/kernel-source.js';
import { loadNativeAddon } from '../kernel/native.js';
import { Delivery } from '../pipeline/batch.js';
import { ProcessEnricher } from '../processors/enrich/process-enricher.js';
import { redactProcessor } from '../processors/redact/redact-processor.js';
import { CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';

export type ObserveOutput = 'compact' | 'json';

export interface ObserveOptions {
  output: ObserveOutput;
  logger: Logger;
  out: NodeJS.WritableStream;
}

/** Runs until `stop` resolves; returns after the ring's last records were printed. */
export async function observe(options: ObserveOptions, stop: Promise<void>): Promise<void> {
  const decoder = new RecordDecoder(loadNativeAddon().bootToRealtimeOffsetNs());
  const enricher = new ProcessEnricher();
  const redact = redactProcessor.create(redactProcessor.settings.parse({}), {
    id: 'redact',
    logger: options.logger,
    counters: new CounterRegistry(),
    origin: () => ({ file: '<built-in>', line: 0, column: 0 }),
    baseDir: process.cwd(),
  });
  const delivery = new Delivery(() => undefined);
  const events: Event[] = [];
  const render = options.output === 'json' ? toJsonLine : formatCompact;

  const source = KernelSource.open({
    sensors: ['process'],
    ringBytes: 8 << 20,
    reader: { batchBytes: 256 << 10, latencyMs: 5, maxInFlight: 8 },
    logger: options.logger,
    onBatch(batch, _records, release) {
      events.length = 0;
      decoder.decodeBatch(batch, events);
      enricher.enrichBatch(events);
      redact.process({ events, delivery });
      let text = '';
      for (const event of events) {
        const line = render(event);
        if (line !== null) text += `${line}\n`;
      }
      // A slow terminal or pipe holds the batch's credit, so the reader slows down too.
      if (text === '' || options.out.write(text)) release();
      else options.out.once('drain', release);
    },
  });
  // Batches reach JS only after this synchronous read, so no process falls between the two.
  enricher.seedFromProc();
  await stop;
  await source.close();
  const drops = source.drops();
  options.logger.info(
    { decode: decoder.stats, reader: source.readerStats(), kernelDrops: drops, processes: enricher.stats() },
    'observe stopped',
  );
}
