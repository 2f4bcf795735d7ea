// Where the otlp exporter's CPU goes, over the same decoded events: mapping events to records,
// serializing requests, and the network (gzip and the gRPC call, a real Collector at the other
// end). Usage: split CAPTURE ENDPOINT
import { EventRecordMapper } from '../../src/exporters/otel/event-record.js';
import type { EventLogRecord } from '../../src/exporters/otel/log-record.js';
import { encodeLogsRequest } from '../../src/exporters/otel/otlp-logs.js';
import { agentResource } from '../../src/exporters/otel/resource.js';
import { GrpcLogsClient } from '../../src/exporters/otlp/grpc-logs-client.js';
import { chunks, decodedCapture } from './decoded-capture.js';
import type { ExporterSplit } from './figures.js';

const [capture, endpoint] = process.argv.slice(2);
if (!capture || !endpoint) throw new Error('usage: split CAPTURE ENDPOINT');
const events = await decodedCapture(capture);
const batches = chunks(events, 8192);

async function cpuNsPerEvent(work: () => Promise<void> | void): Promise<number> {
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return Math.round(((used.user + used.system) * 1000) / events.length);
}

const mapper = new EventRecordMapper(agentResource());
let records: EventLogRecord[][] = [];
const mapping = await cpuNsPerEvent(() => {
  records = batches.map((b) => mapper.toRecords(b));
});
let requests: Uint8Array[] = [];
const serialization = await cpuNsPerEvent(() => {
  requests = records.map((r) => encodeLogsRequest(r, 'proto'));
});
const client = new GrpcLogsClient({
  name: 'bench',
  address: endpoint.replace(/^http:\/\//, ''),
  tls: undefined,
  headers: {},
  compression: 'gzip',
  timeoutMs: 30_000,
});
const network = await cpuNsPerEvent(async () => {
  for (const request of requests) await client.export(request);
});
client.close();
const split: ExporterSplit = {
  parts: [
    { part: 'mapping (event -> record)', 'CPU ns/event': mapping },
    { part: 'serialization (record -> OTLP protobuf)', 'CPU ns/event': serialization },
    { part: 'network (gzip + gRPC call)', 'CPU ns/event': network },
  ],
  requestBytesPerEvent: Math.round(requests.reduce((n, r) => n + r.byteLength, 0) / events.length),
};
process.stdout.write(`${JSON.stringify(split)}\n`);
