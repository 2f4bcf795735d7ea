// bench/splunk-hec's baseline: the request bodies the exporter would send for the bench's events
// (built before the clock starts), gzip-compressed and POSTed by a plain loop of ten workers over
// keep-alive connections, with nothing of ebpipe's pipeline: the floor of HTTP and gzip here.
// With `ack`, each worker asks /ack about its request's ackId until it is true.
// Usage: post-loop ENDPOINT BATCHES ack|no-ack; prints one JSON line as bench/pipeline/one-run does.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { EventRecordMapper } from '../../src/exporters/otel/event-record.js';
import { agentResource } from '../../src/exporters/otel/resource.js';
import { HecEventEncoder } from '../../src/exporters/splunk_hec/hec-event.js';
import { splitIntoRequests } from '../../src/exporters/splunk_hec/hec-requests.js';
import { benchEvents } from './events.js';

const [endpoint, batchesArg, ackArg] = process.argv.slice(2);
if (!endpoint || !batchesArg || !ackArg) throw new Error('usage: post-loop ENDPOINT BATCHES ack|no-ack');
const withAck = ackArg === 'ack';
const token = process.env['BENCH_HEC_TOKEN'] ?? '';

const resource = agentResource();
const mapper = new EventRecordMapper(resource);
const encoder = new HecEventEncoder(resource, { source: '', sourcetype: 'ebpipe:event', index: '' });
const events = benchEvents(Number(batchesArg)).flat();
const bodies = splitIntoRequests(
  events.map((e) => encoder.encode(mapper.toRecord(e))),
  2 * 2 ** 20,
).requests.map((r) => r.body);

const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const headers = { authorization: `Splunk ${token}`, 'x-splunk-request-channel': randomUUID() };
const gzipAsync = promisify(gzip);

function post(path: string, body: Buffer, compressed: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${endpoint}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': body.length,
          ...(compressed && { 'content-encoding': 'gzip' }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const startCpu = process.cpuUsage();
const start = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const answer = JSON.parse(await post('', await gzipAsync(bodies[i]!, { level: 1 }), true)) as { ackId?: number };
      if (!withAck) continue;
      for (;;) {
        const acks = JSON.parse(await post('/ack', Buffer.from(JSON.stringify({ acks: [answer.ackId] })), false)) as {
          acks: Record<string, boolean>;
        };
        if (acks.acks[String(answer.ackId)] === true) break;
      }
    }
  }),
);
const wallMs = performance.now() - start;
const cpu = process.cpuUsage(startCpu);
clearInterval(sampler);
agent.destroy();
process.stdout.write(
  `${JSON.stringify({
    records: events.length,
    exported: events.length,
    dropped: 0,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssBytes: Math.max(peakRss, process.memoryUsage().rss),
  })}\n`,
);
