// The events every run of bench/splunk-hec sends: bench/pipeline's busy-host batches (mixed-batch.ts),
// as a capture for the pipeline runs and as decoded events for the baseline loop.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { localCaptureHeader } from '../../src/capture/capture-format.js';
import { CaptureWriter } from '../../src/capture/capture-writer.js';
import { projectRoot } from '../../src/common/paths.js';
import { RecordDecoder } from '../../src/events/decode.js';
import type { Event } from '../../src/events/model.js';
import { mixedBatch } from '../pipeline/mixed-batch.js';

export const PER_BATCH = 1000;
const CLOCK_OFFSET_NS = 1_700_000_000_000_000_000n;

/** The capture of `batches` batches, written once under bench/out. */
export async function benchCapture(batches: number): Promise<string> {
  const out = join(projectRoot, 'bench', 'out');
  const path = join(out, `splunk-hec-mixed-${batches}x${PER_BATCH}.ebcap`);
  if (existsSync(path)) return path;
  mkdirSync(out, { recursive: true });
  const writer = await CaptureWriter.create(path, localCaptureHeader(CLOCK_OFFSET_NS));
  for (let b = 0; b < batches; b++) await writer.append(mixedBatch(b * PER_BATCH, PER_BATCH), PER_BATCH);
  await writer.close();
  return path;
}

/** The same events, decoded, batch by batch. */
export function benchEvents(batches: number): Event[][] {
  const decoder = new RecordDecoder(CLOCK_OFFSET_NS);
  return Array.from({ length: batches }, (_, b) => {
    const out: Event[] = [];
    decoder.decodeBatch(mixedBatch(b * PER_BATCH, PER_BATCH), out);
    return out;
  });
}
