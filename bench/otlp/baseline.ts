// The baseline of bench/otlp: the OpenTelemetry JS OTLPLogExporter (gRPC, gzip, as ebpipe's
// otlp exporter sends) fed the same records, built before the clock starts, in exports of the
// same size, one at a time. Usage: baseline CAPTURE ENDPOINT
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { EventRecordMapper } from '../../src/exporters/otel/event-record.js';
import { agentResource } from '../../src/exporters/otel/resource.js';
import { chunks, decodedCapture } from './decoded-capture.js';
import { measured } from './figures.js';

const [capture, endpoint] = process.argv.slice(2);
if (!capture || !endpoint) throw new Error('usage: baseline CAPTURE ENDPOINT');
const records = new EventRecordMapper(agentResource()).toRecords(await decodedCapture(capture));
const exporter = new OTLPLogExporter({ url: endpoint, compression: CompressionAlgorithm.GZIP });
await measured(records.length, async () => {
  let exported = 0;
  let dropped = 0;
  for (const chunk of chunks(records, 8192)) {
    const result = await new Promise<{ code: ExportResultCode }>((resolve) => exporter.export(chunk, resolve));
    if (result.code === ExportResultCode.SUCCESS) exported += chunk.length;
    else dropped += chunk.length;
  }
  return { exported, dropped };
});
await exporter.shutdown();
