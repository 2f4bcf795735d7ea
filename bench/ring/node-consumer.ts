// The agent's path for bench/ring: native reader + TypeScript decoder, counting decoded
// events. Usage: node-consumer PID RING_BYTES BATCH_BYTES LATENCY_MS; prints "ready", runs
// until SIGINT, then prints one JSON line of figures.
import { RecordDecoder } from '../../src/events/decode.js';
import type { Event } from '../../src/events/model.js';
import { KernelSource } from '../../src/kernel/kernel-source.js';
import { createLogger } from '../../src/telemetry/logger.js';

const [pidArg, ringArg, batchArg, latencyArg] = process.argv.slice(2).map(Number);
const target = Buffer.alloc(4);
target.writeUInt32LE(pidArg ?? 0);
const decoder = new RecordDecoder();
const events: Event[] = [];
let decoded = 0;
let batches = 0;

const source = KernelSource.open({
  sensors: ['bench'],
  ringBytes: ringArg ?? 8 << 20,
  reader: { batchBytes: batchArg ?? 256 << 10, latencyMs: latencyArg ?? 5, maxInFlight: 8 },
  globals: { bench: { target_tgid: target } },
  logger: createLogger('bench'),
  onBatch(batch, _records, release) {
    events.length = 0;
    decoder.decodeBatch(batch, events);
    decoded += events.length;
    batches++;
    release();
  },
});
const cpuAtStart = process.cpuUsage();
process.stdout.write('ready\n');
process.once('SIGINT', () => {
  void source.close().then(() => {
    const cpu = process.cpuUsage(cpuAtStart);
    const drops = source.drops().reduce((n, d) => n + d.total, 0);
    process.stdout.write(
      `${JSON.stringify({ records: decoded, drops, cpuNs: (cpu.user + cpu.system) * 1000, batches, rssBytes: process.memoryUsage().rss })}\n`,
    );
  });
});
