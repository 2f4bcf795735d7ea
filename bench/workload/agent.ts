// The agent side of bench/workload, in a process of its own so that its CPU and memory
// can be read from /proc: the kernel sensors, the ring reader, and the decoder over every
// batch. Prints `ready` once attached; on SIGTERM it detaches, drains the ring and prints
// its figures as one JSON line.
// Usage: node dist/bench/workload/agent.js SENSOR,SENSOR,...
import { RecordDecoder } from '../../src/events/decode.js';
import type { Event } from '../../src/events/model.js';
import { KernelSource } from '../../src/kernel/kernel-source.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface AgentFigures {
  events: number;
  byKind: Record<string, number>;
  kernelDrops: number;
  decode: RecordDecoder['stats'];
  unavailable: string[];
}

const sensors = (process.argv[2] ?? '').split(',').filter(Boolean);
const decoder = new RecordDecoder();
const byKind: Record<string, number> = {};
const batch: Event[] = [];

const source = KernelSource.open({
  sensors,
  ringBytes: 8 << 20,
  // The agent's defaults (src/receivers/ebpf/ebpf-receiver.ts).
  reader: { batchBytes: 256 << 10, latencyMs: 5, maxInFlight: 8 },
  logger: createLogger('bench-agent'),
  onBatch: (raw, _records, release) => {
    batch.length = 0;
    decoder.decodeBatch(raw, batch);
    for (const e of batch) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    release();
  },
});
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void source.close().then(() => {
    const figures: AgentFigures = {
      events: decoder.stats.decoded,
      byKind,
      kernelDrops: source.drops().reduce((n, d) => n + d.total, 0),
      decode: decoder.stats,
      unavailable: source.sensorStatus().flatMap((s) => (s.state === 'unavailable' ? [s.sensor] : [])),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  });
});
