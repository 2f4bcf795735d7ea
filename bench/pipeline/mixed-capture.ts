// The capture the pipeline benches replay: `batches` batches of 1000 busy-host records
// (mixed-batch.ts), ten distinct ones played in turn, written once into bench/out.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { localCaptureHeader } from '../../src/capture/capture-format.js';
import { CaptureWriter } from '../../src/capture/capture-writer.js';
import { projectRoot } from '../../src/common/paths.js';
import { mixedBatch } from './mixed-batch.js';

export const RECORDS_PER_BATCH = 1000;

export async function mixedCapture(batches: number): Promise<string> {
  const out = join(projectRoot, 'bench', 'out');
  const path = join(out, `pipeline-mixed-${batches}x${RECORDS_PER_BATCH}.ebcap`);
  if (existsSync(path)) return path;
  mkdirSync(out, { recursive: true });
  const writer = await CaptureWriter.create(path, localCaptureHeader(1_700_000_000_000_000_000n));
  const distinct = Array.from({ length: 10 }, (_, b) => mixedBatch(b * RECORDS_PER_BATCH, RECORDS_PER_BATCH));
  for (let i = 0; i < batches; i++) await writer.append(distinct[i % distinct.length]!, RECORDS_PER_BATCH);
  await writer.close();
  return path;
}
