// Every event of a capture, decoded, in memory: what the baseline and the split start from.
import { CaptureReader } from '../../src/capture/capture-reader.js';
import { RecordDecoder } from '../../src/events/decode.js';
import type { Event } from '../../src/events/model.js';

export async function decodedCapture(path: string): Promise<Event[]> {
  const reader = await CaptureReader.open(path);
  const decoder = new RecordDecoder(reader.header.clockOffsetNs);
  decoder.bootId = reader.header.bootId;
  decoder.observedNs = BigInt(Date.now()) * 1_000_000n;
  const events: Event[] = [];
  for await (const batch of reader.batches()) decoder.decodeBatch(batch.raw, events);
  await reader.close();
  return events;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
